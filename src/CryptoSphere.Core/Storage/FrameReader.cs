using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// A second connection, for the one read every send makes: what waits in a peer's outbox, read back to be written on
/// its session (<see cref="ChatStore.PendingFrames"/>). On the store's own connection that read waited for the store's
/// lock, which the writer holds for a whole batch (thousands of sends during a burst), so a burst's first frames went
/// out only after the writer's next batch: the receiver sat idle while the sender stored. In WAL mode a reader does not
/// wait for the writer and sees what was committed when its read began, which is all a flush may send (a message is
/// written on the wire only once committed). Opened at the first read; file stores only (an in-memory database is
/// private to its connection). Used under its own lock.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private readonly string _connectionString;
    private readonly string _sql;
    private readonly Lock _gate = new();
    private SqliteConnection? _db;
    private RawStatement? _query;
    private bool _disposed;

    public FrameReader(string connectionString, string sql)
    {
        _sql = sql;
        // Never creates the file: a database moved or deleted under a running node is not made again, empty.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
    }

    /// <summary>Runs <paramref name="read"/> with the reader's one statement, kept prepared.</summary>
    public T Read<T>(Func<RawStatement, T> read)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_db is null)
            {
                var db = new SqliteConnection(_connectionString);
                try
                {
                    db.Open();
                    // A reader: it never writes, and a small cache (the rows it reads were just written and are in the OS's cache).
                    ChatStore.Execute(db, "PRAGMA query_only = 1; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -4096;");
                    _query = new RawStatement(db, _sql);
                }
                catch
                {
                    db.Dispose();
                    throw;
                }
                _db = db;
            }
            return read(_query!);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _query?.Dispose();
            _db?.Dispose();
        }
    }
}
