namespace CryptoSphere.Core.Storage;

// Contact requests: messages of untrusted peers held (state Held) until the user decides.
public sealed partial class ChatStore
{
    private const int HeldState = (int)MessageState.Held;

    /// <summary>How many messages, and how many bytes of text, are held from <paramref name="peer"/>.</summary>
    public (int Count, long Bytes) HeldFrom(string peer) => Locked(db =>
    {
        using var command = Command(db, $"""
            SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) FROM messages
            WHERE peer_id = $peer AND outgoing = 0 AND state = {HeldState}
            """, null, ("$peer", peer));
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt32(0), reader.GetInt64(1));
    });

    /// <summary>Peers with held messages.</summary>
    public int HeldPeerCount() => Locked(db => Convert.ToInt32(Scalar(db,
        $"SELECT COUNT(DISTINCT peer_id) FROM messages WHERE outgoing = 0 AND state = {HeldState}")));

    /// <summary>Every held message, oldest first.</summary>
    public IReadOnlyList<StoredMessage> Held(string? peer = null) => Locked(db =>
    {
        using var command = Command(db, $"""
            SELECT {Columns} FROM messages m
            WHERE m.outgoing = 0 AND m.state = {HeldState} AND ($peer IS NULL OR m.peer_id = $peer) ORDER BY m.seq
            """, null, ("$peer", peer));
        using var reader = command.ExecuteReader();
        var rows = new List<StoredMessage>();
        while (reader.Read())
            rows.Add(Read(reader));
        return rows;
    });

    /// <summary>The peer is trusted now: its held messages become ordinary received ones; returns them.</summary>
    public IReadOnlyList<StoredMessage> ReleaseHeld(string peer)
    {
        var held = Held(peer);
        Locked(db => Execute(db, $"UPDATE messages SET state = {(int)MessageState.Received} WHERE peer_id = $peer AND outgoing = 0 AND state = {HeldState}",
            null, ("$peer", peer)));
        return held;
    }

    /// <summary>The request is rejected: its messages are deleted (they were never shown). Returns how many.</summary>
    public int DropHeld(string peer) => Locked(db =>
    {
        var dropped = Execute(db, $"DELETE FROM messages WHERE peer_id = $peer AND outgoing = 0 AND state = {HeldState}", null, ("$peer", peer));
        Quota.Forget(peer);
        return dropped;
    });
}
