using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// Copies the write-ahead log back into the database file from a connection and a timer of its own, a second after a
/// commit, so that no commit pays for it. SQLite's automatic checkpoint runs inside whichever commit takes the log past
/// 1,000 pages: on the store's writer thread, or on the thread of a message committed alone, where it showed as the
/// one-at-a-time p99 between two nodes (docs/BENCHMARKS.md). The store's own connection keeps an automatic
/// checkpoint at <see cref="SafetyNetPages"/>, for a burst that outruns this one.
/// </summary>
/// <remarks>
/// A passive checkpoint takes no lock a writer needs: it copies what no reader still needs and leaves the rest for
/// the next tick. Its connection opens at the first tick, so a one-off command that is done within a second never opens it.
/// The timer runs only after a commit (<see cref="Committed"/>, from the store connection's commit hook) and again while a
/// checkpoint leaves pages behind or fails: an idle node's timer ticking every second, with the outbox's and other
/// loops', kept a hundred idle nodes on one machine busy (docs/BENCHMARKS.md, idle wake-ups).
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The store connection's own automatic checkpoint: 64 MiB of 4 KiB pages.</summary>
    public const int SafetyNetPages = 16_384;

    private readonly string _connectionString;
    private readonly TimeSpan _period;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private SqliteConnection? _db;
    private bool _disposed;
    private long _pagesCopied;
    private long _ticks;
    private int _armed;

    public WalCheckpointer(string connectionString, TimeSpan period)
    {
        // Never creates the file: a database moved or deleted under a running node is not made again, empty.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
        _period = period;
        _timer = new Timer(_ => Run(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A transaction was committed: a checkpoint runs one period later (one for all commits meanwhile).</summary>
    public void Committed()
    {
        if (Interlocked.Exchange(ref _armed, 1) != 0)
            return;
        try
        {
            _timer.Change(_period, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Closing.
        }
    }

    /// <summary>Pages copied back into the database file so far.</summary>
    public long PagesCopied => Interlocked.Read(ref _pagesCopied);

    /// <summary>A tick is scheduled (a commit since the last one, or a checkpoint to finish).</summary>
    public bool Armed => Volatile.Read(ref _armed) != 0;

    /// <summary>Ticks run to the end, whatever they found.</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    private void Run()
    {
        // A tick that finds the last one still running skips: the timer does not queue them up.
        if (!_gate.TryEnter())
            return;
        // Commits from here on arm the next tick; so does a checkpoint that left pages behind or failed.
        Volatile.Write(ref _armed, 0);
        var again = true;
        try
        {
            if (_disposed)
                return;
            if (_db is null)
            {
                // Kept only once open: a file that could not be opened is tried again next tick.
                var db = new SqliteConnection(_connectionString);
                try
                {
                    db.Open();
                }
                catch
                {
                    db.Dispose();
                    throw;
                }
                _db = db;
            }
            using var command = _db.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            using var row = command.ExecuteReader();
            // (busy, pages in the log, pages copied back); -1 when the database is not in WAL mode.
            if (row.Read())
            {
                if (row.GetInt64(2) > 0)
                    Interlocked.Add(ref _pagesCopied, row.GetInt64(2));
                again = row.GetInt64(0) != 0 || row.GetInt64(2) < row.GetInt64(1);
            }
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // A timer's exception would end the process. Damage, a full disk or a vanished file is the store's own
            // connection's to report; a missed checkpoint is tried again next tick, and the safety net still holds.
        }
        finally
        {
            Interlocked.Increment(ref _ticks);
            _gate.Exit();
        }
        if (again && !_disposed)
            Committed();
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _db?.Dispose();
        }
    }
}
