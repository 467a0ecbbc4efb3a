using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Peers;

/// <summary>
/// The node's peers. Thread-safe; every change is reported through <see cref="Changed"/>
/// so the node can turn it into an event.
/// </summary>
public sealed class PeerTable
{
    private readonly ConcurrentDictionary<PeerKey, Peer> _peers = new();
    private readonly object _gate = new();

    public event Action<PeerChange>? Changed;

    public int Count => _peers.Count;

    public IReadOnlyList<Peer> Snapshot() =>
        _peers.Values.OrderBy(p => p.FirstSeen).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal).ToList();

    public Peer? Find(PeerKey key) => _peers.GetValueOrDefault(key);

    public Peer? Find(PeerId id) => _peers.Values.FirstOrDefault(p => p.Id == id);

    /// <summary>Registers a new peer or refreshes its name, last-seen time and message count.</summary>
    public Peer Touch(PeerKey key, string name, PeerProtocol protocol, DateTimeOffset now, bool countsAsMessage, PeerId? id = null,
        PeerSource source = PeerSource.Incoming)
    {
        PeerChange change;
        Peer updated;
        lock (_gate)
        {
            var increment = countsAsMessage ? 1 : 0;
            if (_peers.TryGetValue(key, out var existing))
            {
                updated = existing with
                {
                    Name = name.Length > 0 ? name : existing.Name,
                    Protocol = protocol,
                    LastSeen = now,
                    MessageCount = existing.MessageCount + increment,
                    Id = id ?? (protocol == PeerProtocol.Secure ? existing.Id : null),
                    // "We found it" (announced, exchanged, manual) says more than "it came to us".
                    Source = existing.Source == PeerSource.Incoming ? source : existing.Source,
                };
                change = new PeerChange(PeerChangeKind.Updated, updated, null)
                {
                    ActivityOnly = updated.Name == existing.Name && updated.Protocol == existing.Protocol && updated.Id == existing.Id
                                   && updated.Source == existing.Source,
                };
            }
            else
            {
                updated = new Peer(key, name, protocol, now, now, increment) { Id = id, Source = source };
                change = new PeerChange(PeerChangeKind.Added, updated, null);
            }
            _peers[key] = updated;
        }
        Changed?.Invoke(change);
        return updated;
    }

    public bool Remove(PeerKey key, PeerRemovalReason reason)
    {
        if (!_peers.TryRemove(key, out var removed))
            return false;
        Changed?.Invoke(new PeerChange(PeerChangeKind.Removed, removed, reason));
        return true;
    }

    /// <summary>Removes every peer not seen since <paramref name="cutoff"/>; returns how many.</summary>
    public int RemoveSilentSince(DateTimeOffset cutoff)
    {
        var removed = 0;
        foreach (var peer in _peers.Values)
        {
            // Removes only the snapshot we judged, so a peer refreshed meanwhile stays.
            if (peer.LastSeen >= cutoff || !_peers.TryRemove(KeyValuePair.Create(peer.Key, peer)))
                continue;
            Changed?.Invoke(new PeerChange(PeerChangeKind.Removed, peer, PeerRemovalReason.Inactive));
            removed++;
        }
        return removed;
    }
}

public enum PeerChangeKind { Added, Updated, Removed }

public sealed record PeerChange(PeerChangeKind Kind, Peer Peer, PeerRemovalReason? Reason)
{
    /// <summary>An update that moved only the last-seen time and the message count (what every message does).</summary>
    public bool ActivityOnly { get; init; }
}
