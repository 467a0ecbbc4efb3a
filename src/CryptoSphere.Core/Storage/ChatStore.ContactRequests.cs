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

    /// <summary>The ID and text size in UTF-8 of each message held from <paramref name="peer"/> (as many as the contact request limits let in).</summary>
    public IReadOnlyList<(Guid Id, long Bytes)> HeldSizesFrom(string peer) => Locked(db =>
    {
        using var command = Command(db, $"""
            SELECT id, LENGTH(CAST(text AS BLOB)) FROM messages
            WHERE peer_id = $peer AND outgoing = 0 AND state = {HeldState}
            """, null, ("$peer", peer));
        using var reader = command.ExecuteReader();
        var held = new List<(Guid, long)>();
        while (reader.Read())
            held.Add((Guid.Parse(reader.GetString(0)), reader.GetInt64(1)));
        return held;
    });

    /// <summary>Peers with held messages (as many as the contact request limits let in).</summary>
    public IReadOnlyList<string> HeldPeers() => Locked(db =>
    {
        using var command = Command(db, $"SELECT DISTINCT peer_id FROM messages WHERE outgoing = 0 AND state = {HeldState} AND peer_id IS NOT NULL", null);
        using var reader = command.ExecuteReader();
        var peers = new List<string>();
        while (reader.Read())
            peers.Add(reader.GetString(0));
        return peers;
    });

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
