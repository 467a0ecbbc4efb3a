using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// The node's database: one SQLite file in the data directory (WAL), opened once and shared.
/// Every access goes through one connection under one lock; the hot paths' writes (received messages,
/// acknowledgements, sends and outbox changes) are queued for <see cref="StoreWriter"/>, which commits them in batches.
/// </summary>
public sealed partial class ChatStore : IDisposable
{
    public const string FileName = "chat.db";

    private readonly SqliteConnection _db;
    private readonly object _gate = new();
    private readonly StoreWriter _writes;
    private readonly PreparedCommands _prepared;
    private readonly WalCheckpointer? _checkpointer;
    private readonly Action _outboxGrew;
    private readonly FullTextIndex _fullText = new();
    private int _disposed;
    private StorageException? _damage;

    private ChatStore(SqliteConnection db, string? path, string connectionString)
    {
        _db = db;
        Path = path;
        _prepared = new PreparedCommands(db);
        _outboxGrew = () => OutboxGrew?.Invoke();
        _writes = new StoreWriter(this);
        if (path is not null)
        {
            _checkpointer = new WalCheckpointer(connectionString, TimeSpan.FromSeconds(1));
            // Every commit of this connection, whichever path made it (the batching writer, a write of its own, a search's
            // index update): SQLite calls the hook inside the commit, so it only arms a timer.
            SQLitePCL.raw.sqlite3_commit_hook(db.Handle, static checkpointer => { ((WalCheckpointer)checkpointer).Committed(); return 0; }, _checkpointer);
        }
    }

    /// <summary>Pages the background checkpoint copied into the database file (0 in memory).</summary>
    internal long CheckpointedPages => _checkpointer?.PagesCopied ?? 0;

    /// <summary>Whether a background checkpoint is scheduled (only after commits: an idle store has no timer running).</summary>
    internal bool CheckpointArmed => _checkpointer?.Armed ?? false;

    /// <summary>Background checkpoint ticks run so far.</summary>
    internal long CheckpointTicks => _checkpointer?.Ticks ?? 0;

    /// <summary>A setting of the store's own connection (tests: what it runs with).</summary>
    internal object? Pragma(string name)
    {
        lock (_gate)
            return Scalar(_db, $"PRAGMA {name}");
    }

    /// <summary>The database file, or null for an in-memory store.</summary>
    public string? Path { get; }

    /// <summary>
    /// Raised once, on a thread-pool thread, the first time SQLite reports the file damaged (SQLITE_CORRUPT or
    /// SQLITE_NOTADB) after it opened: a node cannot go on with it, and retrying only repeats the error.
    /// </summary>
    public event Action<StorageException>? Damaged;

    /// <summary>Why the database is damaged, once a read or write found it so; null while it is sound.</summary>
    public StorageException? Damage => _damage;

    /// <summary>
    /// Opens (or creates) the data directory's database. <paramref name="verify"/> runs <c>PRAGMA quick_check</c>
    /// first, so that damage anywhere in the file is refused now rather than met later: about 230 ms at 100,000
    /// messages (docs/RELIABILITY.md), worth it for a node that runs for hours, not for a one-off read.
    /// </summary>
    public static ChatStore Open(string dataDirectory, bool verify = true)
    {
        OwnerOnly.CreateDirectory(dataDirectory);
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        // SQLite gives its -wal and -shm files the database file's mode, so they are owner-only too.
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (file == path || File.Exists(file))
                OwnerOnly.PrepareFile(file);
        }
        return Open(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString(), path, verify);
    }

    /// <summary>A store that lives as long as the process (tests, one-off commands).</summary>
    public static ChatStore OpenInMemory() =>
        Open(new SqliteConnectionStringBuilder { DataSource = ":memory:", Pooling = false }.ToString(), null, verify: false);

    private static ChatStore Open(string connectionString, string? path, bool verify)
    {
        SqliteThreading.Apply();
        var db = new SqliteConnection(connectionString);
        try
        {
            db.Open();
            // Read before anything is written, so a corrupt or newer database is refused untouched.
            var version = Convert.ToInt32(Scalar(db, "PRAGMA user_version"));
            if (version > Schema.Version)
                throw new StorageException(
                    $"the database {path} has schema version {version}, newer than this program understands ({Schema.Version}); " +
                    "it was left untouched. Use a newer CryptoSphere.");
            if (version == 0 && Convert.ToInt64(Scalar(db, "SELECT COUNT(*) FROM sqlite_master")) > 0)
                throw new StorageException($"{path} is an SQLite database of another program, not CryptoSphere's; it was left untouched");
            // Damage inside the file (a valid header over garbage pages) would otherwise show up only when a read
            // reaches it, maybe hours later.
            if (verify && path is not null && version > 0 && Scalar(db, "PRAGMA quick_check(1)") is string check && check != "ok")
                throw new StorageException(DamagedText(path, FirstProblem(check), "it was left untouched"));
            Execute(db, "PRAGMA busy_timeout = 5000");
            if (path is not null)
            {
                Execute(db, "PRAGMA journal_mode = WAL");
                // The log is copied back by WalCheckpointer, off the commits' threads; this is only its safety net.
                Execute(db, $"PRAGMA wal_autocheckpoint = {WalCheckpointer.SafetyNetPages}");
            }
            // NORMAL in WAL mode survives a killed process; only a power cut can lose the last commits.
            Execute(db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;");
            Migrate(db, version);
            return new ChatStore(db, path, connectionString);
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new StorageException(Describe(e, path), e);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>What a failed database operation means for the user, as a <see cref="StorageException"/>.</summary>
    public StorageException Explain(SqliteException e) => new(Describe(e, Path), e);

    // quick_check's first row may start with a "*** in database main ***" line; the problem is the last one.
    private static string FirstProblem(string check) => check.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];

    /// <summary>SQLITE_CORRUPT or SQLITE_NOTADB: the file is damaged, and asking again will not help.</summary>
    public static bool IsDamage(SqliteException e) => e.SqliteErrorCode is 11 or 26;

    private static string DamagedText(string? path, string problem, string state) =>
        $"the database {path} is damaged ({problem}); {state}. Stop every cryptosphere process using it, then restore it from a " +
        $"backup, or move it aside to start an empty history (your identity, {Identity.NodeIdentity.FileName}, is a separate file and is kept)";

    internal static string Describe(SqliteException e, string? path) => e.SqliteErrorCode switch
    {
        26 or 11 => DamagedText(path, e.Message, "it was left untouched"),
        5 or 6 => $"the database {path} is locked by another process ({e.Message})",
        // Reading needs writes too (the write-ahead log beside the file): a folder or file the user cannot write is the cause.
        8 => $"the database {path} cannot be written ({e.Message.TrimEnd('.')}): check that you own its folder and can write there; " +
             "even reading needs that (the database keeps a log file beside it)",
        _ => $"cannot open the database {path}: {e.Message}",
    };

    private static void Migrate(SqliteConnection db, int from)
    {
        for (var version = from; version < Schema.Version; version++)
        {
            using var transaction = db.BeginTransaction();
            Execute(db, Schema.Migrations[version], transaction);
            Execute(db, $"PRAGMA user_version = {version + 1}", transaction);
            transaction.Commit();
        }
    }

    /// <summary>Whether nobody holds the store's lock now (a lone write commits on its caller's thread only then).</summary>
    internal bool IsLockFree()
    {
        if (!Monitor.TryEnter(_gate))
            return false;
        Monitor.Exit(_gate);
        return true;
    }

    internal T Locked<T>(Func<SqliteConnection, T> work)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed == 1, this);
            try
            {
                return work(_db);
            }
            catch (SqliteException e) when (IsDamage(e))
            {
                Found(e);
                throw;
            }
        }
    }

    // The first damage found is reported once; callers still get their exception and handle it as before.
    private void Found(SqliteException e)
    {
        var damage = new StorageException(DamagedText(Path ?? "in memory", e.Message, "the node stopped"), e);
        if (Interlocked.CompareExchange(ref _damage, damage, null) is null && Damaged is { } handlers)
            ThreadPool.QueueUserWorkItem(_ => handlers(damage));
    }

    internal void Locked(Action<SqliteConnection> work) => Locked(db => { work(db); return 0; });

    /// <summary>A transaction on the store's connection whose statements stay prepared for the next one. Call under the lock.</summary>
    internal WriteBatch Begin(SqliteConnection db) => new(db, _prepared, _fullText, _outboxGrew);

    /// <summary>
    /// Raised after a commit that queued messages in the outbox (on the committing thread: subscribers only signal), so
    /// that loops idle over an empty outbox need not poll it.
    /// </summary>
    internal event Action? OutboxGrew;

    /// <summary>A kept read statement with these values (see <see cref="PreparedCommands"/>); null: prepare one of your own. Call under the lock.</summary>
    internal SqliteCommand? Prepared(string sql, params (string Name, object? Value)[] values) => _prepared.Get(sql, values);

    internal static object? Scalar(SqliteConnection db, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(db, sql, null, parameters);
        return command.ExecuteScalar();
    }

    internal static int Execute(SqliteConnection db, string sql, SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters)
    {
        using var command = Command(db, sql, transaction, parameters);
        return command.ExecuteNonQuery();
    }

    internal static SqliteCommand Command(SqliteConnection db, string sql, SqliteTransaction? transaction,
        params (string Name, object? Value)[] parameters)
    {
        var command = db.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public void Dispose()
    {
        _writes.Complete();
        // Closed first: the store's connection, closed last, then copies what is left and removes the log.
        _checkpointer?.Dispose();
        lock (_gate)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
                return;
            _prepared.Dispose();
            _db.Dispose();
        }
    }
}
