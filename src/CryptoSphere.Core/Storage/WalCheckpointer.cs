using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// Copies the write-ahead log back into the database file from a connection and a timer of its own, once a second,
/// so that no commit pays for it. SQLite's automatic checkpoint runs inside whichever commit takes the log past
/// 1,000 pages: on the store's writer thread, or on the thread of a message committed alone, where it showed as the
/// one-at-a-time p99 between two nodes (docs/BENCHMARKS.md). The store's own connection keeps an automatic
/// checkpoint at <see cref="SafetyNetPages"/>, for a burst that outruns this one.
/// </summary>
/// <remarks>
/// A passive checkpoint takes no lock a writer needs: it copies what no reader still needs and leaves the rest for
/// the next tick. Its connection opens at the first tick, so a one-off command that is done within a second never opens it.
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The store connection's own automatic checkpoint: 64 MiB of 4 KiB pages.</summary>
    public const int SafetyNetPages = 16_384;

    private readonly string _connectionString;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private SqliteConnection? _db;
    private bool _disposed;
    private long _pagesCopied;

    public WalCheckpointer(string connectionString, TimeSpan period)
    {
        _connectionString = connectionString;
        _timer = new Timer(_ => Run(), null, period, period);
    }

    /// <summary>Pages copied back into the database file so far.</summary>
    public long PagesCopied => Interlocked.Read(ref _pagesCopied);

    private void Run()
    {
        // A tick that finds the last one still running skips: the timer does not queue them up.
        if (!_gate.TryEnter())
            return;
        try
        {
            if (_disposed)
                return;
            if (_db is null)
            {
                _db = new SqliteConnection(_connectionString);
                _db.Open();
            }
            using var command = _db.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            using var row = command.ExecuteReader();
            // (busy, pages in the log, pages copied back); -1 when the database is not in WAL mode.
            if (row.Read() && row.GetInt64(2) > 0)
                Interlocked.Add(ref _pagesCopied, row.GetInt64(2));
        }
        catch (SqliteException)
        {
            // Damage or a full disk is the store's own connection's to report; a missed checkpoint is tried again
            // next tick, and the safety net still holds.
        }
        finally
        {
            _gate.Exit();
        }
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
