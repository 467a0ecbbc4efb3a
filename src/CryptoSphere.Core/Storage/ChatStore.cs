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
    private int _disposed;

    private ChatStore(SqliteConnection db, string? path)
    {
        _db = db;
        Path = path;
        _writes = new StoreWriter(this);
    }

    /// <summary>The database file, or null for an in-memory store.</summary>
    public string? Path { get; }

    public static ChatStore Open(string dataDirectory)
    {
        OwnerOnly.CreateDirectory(dataDirectory);
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        // SQLite gives its -wal and -shm files the database file's mode, so they are owner-only too.
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (file == path || File.Exists(file))
                OwnerOnly.PrepareFile(file);
        }
        return Open(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString(), path);
    }

    /// <summary>A store that lives as long as the process (tests, one-off commands).</summary>
    public static ChatStore OpenInMemory() =>
        Open(new SqliteConnectionStringBuilder { DataSource = ":memory:", Pooling = false }.ToString(), null);

    private static ChatStore Open(string connectionString, string? path)
    {
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
            Execute(db, "PRAGMA busy_timeout = 5000");
            if (path is not null)
                Execute(db, "PRAGMA journal_mode = WAL");
            // NORMAL in WAL mode survives a killed process; only a power cut can lose the last commits.
            Execute(db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;");
            Migrate(db, version);
            return new ChatStore(db, path);
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

    private static string Describe(SqliteException e, string? path) => e.SqliteErrorCode switch
    {
        26 or 11 => $"the database {path} is damaged or not a CryptoSphere database ({e.Message}); it was left untouched",
        5 or 6 => $"the database {path} is locked by another process ({e.Message})",
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

    internal T Locked<T>(Func<SqliteConnection, T> work)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed == 1, this);
            return work(_db);
        }
    }

    internal void Locked(Action<SqliteConnection> work) => Locked(db => { work(db); return 0; });

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
        lock (_gate)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
                return;
            _db.Dispose();
        }
    }
}
