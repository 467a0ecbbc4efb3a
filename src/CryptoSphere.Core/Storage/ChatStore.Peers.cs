using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Storage;

// The peer table's history: the live table is in memory; this is what outlives a restart.
public sealed partial class ChatStore
{
    public void SavePeer(Peer peer, string? removedReason = null, DateTimeOffset? removedAt = null) => Locked(db =>
        Execute(db, """
            INSERT INTO peers(address, peer_id, name, protocol, source, first_seen, last_seen, messages, removed_at, removed_reason)
            VALUES ($address, $peer, $name, $protocol, $source, $first, $last, $messages, $removedAt, $reason)
            ON CONFLICT(address) DO UPDATE SET peer_id = excluded.peer_id, name = excluded.name, protocol = excluded.protocol,
                last_seen = excluded.last_seen, messages = excluded.messages,
                removed_at = excluded.removed_at, removed_reason = excluded.removed_reason
            """, null, ("$address", peer.Key.ToString()), ("$peer", peer.Id?.Value), ("$name", peer.Name), ("$protocol", (int)peer.Protocol),
            ("$source", (int)peer.Source), ("$first", peer.FirstSeen.ToUnixTimeMilliseconds()), ("$last", peer.LastSeen.ToUnixTimeMilliseconds()),
            ("$messages", peer.MessageCount), ("$removedAt", removedAt?.ToUnixTimeMilliseconds()), ("$reason", removedReason)));

    public sealed record KnownPeer(Peer Peer, DateTimeOffset? RemovedAt, string? RemovedReason);

    public IReadOnlyList<KnownPeer> KnownPeers() => Locked(db =>
    {
        using var command = Command(db, """
            SELECT address, peer_id, name, protocol, source, first_seen, last_seen, messages, removed_at, removed_reason
            FROM peers ORDER BY last_seen DESC
            """, null);
        using var r = command.ExecuteReader();
        var peers = new List<KnownPeer>();
        while (r.Read())
        {
            if (!PeerKey.TryParse(r.GetString(0), out var key, out _))
                continue;
            var id = !r.IsDBNull(1) && PeerId.TryParse(r.GetString(1), out var parsed) ? parsed : (PeerId?)null;
            var peer = new Peer(key, r.GetString(2), (PeerProtocol)r.GetInt32(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.GetInt64(7)) { Id = id, Source = (PeerSource)r.GetInt32(4) };
            peers.Add(new KnownPeer(peer, r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)),
                r.IsDBNull(9) ? null : r.GetString(9)));
        }
        return peers;
    });
}
