using CryptoSphere.Core.Trust;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// How much text other peers may make this node keep: per author (a secure peer's ID, or a legacy sender's IP),
/// less for strangers than for trusted peers. Usage is read from the database once per author and then counted
/// as messages are stored, so checking costs no scan per message.
/// </summary>
public sealed class StorageQuota(long strangerBytes, long trustedBytes)
{
    public static readonly StorageQuota Unlimited = new(long.MaxValue, long.MaxValue);

    private readonly Dictionary<string, long> _used = new(StringComparer.Ordinal);

    public long StrangerBytes { get; } = strangerBytes;

    public long TrustedBytes { get; } = trustedBytes;

    /// <summary>Bytes of received text stored for <paramref name="author"/> (as counted by this quota).</summary>
    internal long UsedBy(SqliteConnection db, SqliteTransaction? transaction, string author)
    {
        if (_used.TryGetValue(author, out var used))
            return used;
        using var sum = author.StartsWith(LegacyPrefix, StringComparison.Ordinal)
            ? ChatStore.Command(db, """
                SELECT COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) FROM messages
                WHERE outgoing = 0 AND peer_id IS NULL AND address LIKE $host || ':%'
                """, transaction, ("$host", author[LegacyPrefix.Length..]))
            : ChatStore.Command(db, "SELECT COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) FROM messages WHERE outgoing = 0 AND peer_id = $peer",
                transaction, ("$peer", author));
        used = Convert.ToInt64(sum.ExecuteScalar());
        // The cache is per author; a flood of new authors is bounded by the connection limits, and a
        // forgotten entry is only read again.
        if (_used.Count >= 100_000)
            _used.Clear();
        _used[author] = used;
        return used;
    }

    /// <summary>Null when <paramref name="message"/> fits its author's quota; otherwise why it does not.</summary>
    internal string? Check(WriteBatch batch, StoredMessage message, out string author, out long bytes)
    {
        author = AuthorOf(message);
        bytes = WireTextBytes(message.Text);
        var trusted = message.PeerId is { } peer && batch.IsTrusted(peer);
        var limit = trusted ? TrustedBytes : StrangerBytes;
        var used = UsedBy(batch.Db, batch.Transaction, author);
        if (used + bytes <= limit)
            return null;
        return $"storage quota reached: {used} bytes stored from {(trusted ? "this trusted peer" : "this peer")}, limit {limit}";
    }

    /// <summary>Messages of <paramref name="author"/> were deleted: read its usage again next time.</summary>
    internal void Forget(string author) => _used.Remove(author);

    internal void Add(string author, long bytes) => _used[author] = _used.GetValueOrDefault(author) + bytes;

    internal const string LegacyPrefix = "legacy:";

    internal static string AuthorOf(StoredMessage message) => AuthorOf(message.PeerId, message.Address);

    internal static string AuthorOf(string? peerId, string address)
    {
        if (peerId is not null)
            return peerId;
        var colon = address.LastIndexOf(':');
        return LegacyPrefix + (colon > 0 ? address[..colon] : address);
    }

    private static long WireTextBytes(string text) => System.Text.Encoding.UTF8.GetByteCount(text);
}
