using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The mailbox database (<see cref="FileName"/> in the data directory, owner-only): envelopes this node
/// holds for others, their receipts, and the mailboxes this node uses itself. Kept apart from the chat
/// database so holding other people's mail never touches one's own history. One connection under one lock.
/// </summary>
public sealed partial class MailboxStore : IDisposable
{
    public const string FileName = "mailbox.db";

    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private readonly Func<PeerId, bool> _isTrusted;
    private readonly TimeProvider _clock;
    private bool _disposed;

    private MailboxStore(SqliteConnection db, string? path, Func<PeerId, bool> isTrusted, TimeProvider clock)
    {
        _db = db;
        Path = path;
        _isTrusted = isTrusted;
        _clock = clock;
    }

    /// <summary>The database file, or null in memory.</summary>
    public string? Path { get; }

    /// <param name="isTrusted">Whether a peer is a trusted contact now: asked on every request, so revoking trust takes effect at once.</param>
    public static MailboxStore Open(string dataDirectory, Func<PeerId, bool> isTrusted, TimeProvider? clock = null)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            // SQLite gives its -wal and -shm files the database file's mode, so owner-only here covers all three.
            Storage.OwnerOnly.Open(path, FileMode.CreateNew, FileAccess.Write).Dispose();
        }
        return Open(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString(), path, isTrusted, clock);
    }

    public static MailboxStore OpenInMemory(Func<PeerId, bool> isTrusted, TimeProvider? clock = null) =>
        Open(new SqliteConnectionStringBuilder { DataSource = ":memory:", Pooling = false }.ToString(), null, isTrusted, clock);

    private static MailboxStore Open(string connectionString, string? path, Func<PeerId, bool> isTrusted, TimeProvider? clock)
    {
        SqliteThreading.Apply();
        var db = new SqliteConnection(connectionString);
        try
        {
            db.Open();
            var version = Convert.ToInt32(ChatStore.Scalar(db, "PRAGMA user_version"));
            if (version > MailboxSchema.Version)
                throw new StorageException($"the mailbox database {path} has schema version {version}, newer than this program understands; it was left untouched");
            if (version == 0 && Convert.ToInt64(ChatStore.Scalar(db, "SELECT COUNT(*) FROM sqlite_master")) > 0)
                throw new StorageException($"{path} is an SQLite database of another program; it was left untouched");
            ChatStore.Execute(db, "PRAGMA busy_timeout = 5000");
            if (path is not null)
                ChatStore.Execute(db, "PRAGMA journal_mode = WAL");
            // secure_delete: a deleted envelope's bytes are overwritten, not left in free pages.
            ChatStore.Execute(db, "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;");
            for (var v = version; v < MailboxSchema.Version; v++)
            {
                using var transaction = db.BeginTransaction();
                ChatStore.Execute(db, MailboxSchema.Migrations[v], transaction);
                ChatStore.Execute(db, $"PRAGMA user_version = {v + 1}", transaction);
                transaction.Commit();
            }
            return new MailboxStore(db, path, isTrusted, clock ?? TimeProvider.System);
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new StorageException(ChatStore.IsDamage(e)
                ? $"the mailbox database {path} is damaged ({e.Message}); it was left untouched. Stop every cryptosphere process using it, " +
                  "then restore it from a backup, or move it aside (the mail held here for others and your mailbox settings go with it; " +
                  "chat.db and your identity are separate and kept)"
                : $"cannot open the mailbox database {path}: {e.Message}", e);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private T Locked<T>(Func<SqliteConnection, T> work)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return work(_db);
        }
    }

    private static SqliteCommand Command(SqliteConnection db, string sql, params (string Name, object? Value)[] parameters) =>
        ChatStore.Command(db, sql, null, parameters);

    private static int Execute(SqliteConnection db, string sql, params (string Name, object? Value)[] parameters) =>
        ChatStore.Execute(db, sql, null, parameters);

    private static PeerId ReadPeer(SqliteDataReader reader, int column)
    {
        return PeerId.TryParse(reader.GetString(column), out var id)
            ? id
            : throw new StorageException($"the mailbox database holds a malformed peer ID in column {column}");
    }

    private static DateTimeOffset? ReadTime(SqliteDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(column));

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _db.Dispose();
        }
    }
}
