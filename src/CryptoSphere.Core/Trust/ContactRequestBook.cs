using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Trust;

/// <summary>
/// Contact requests under <c>--accept trusted</c>: what untrusted peers wrote, held in the database (so a
/// restart keeps them and memory does not grow with them), bounded per peer in messages and bytes and in the
/// number of peers. What does not fit is refused before it is stored, so it is never acknowledged.
/// </summary>
internal sealed class ContactRequestBook(ChatStore store, int maxMessagesPerPeer, long maxBytesPerPeer, int maxPeers)
{
    private readonly object _gate = new();
    // Admitted and not yet settled, per peer by message ID (the check must count them: the store writes in batches),
    // and the peers whose request was announced in this run.
    private readonly Dictionary<string, Dictionary<Guid, Pending>> _admitted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);

    // An admitted message's size, and how many admissions of its ID (a resend) wait for the store.
    private record struct Pending(long Bytes, int Admissions);

    /// <summary>
    /// Admits message <paramref name="id"/> of <paramref name="text"/> from <paramref name="peer"/> to be held, or
    /// says why not. An admitted message is <see cref="Settle"/>d once the store has answered.
    /// </summary>
    /// <remarks>
    /// A message is counted once, by its ID, whether it is stored or admitted or both: between the store's commit and
    /// <see cref="Settle"/> it is both, and a resend of a held message is in the store already (it is admitted, and
    /// acknowledged again, even at the limit). The store is read under the lock, so no message settles unseen between
    /// the two reads.
    /// </remarks>
    public string? Admit(PeerId peer, Guid id, string text)
    {
        var size = WireText.Utf8.GetByteCount(text);
        lock (_gate)
        {
            var held = store.HeldSizesFrom(peer.Value);
            var pending = _admitted.GetValueOrDefault(peer.Value);
            var ids = new HashSet<Guid>(held.Count + (pending?.Count ?? 0));
            long bytes = 0;
            foreach (var (heldId, heldBytes) in held)
                if (ids.Add(heldId))
                    bytes += heldBytes;
            if (pending is not null)
                foreach (var (pendingId, p) in pending)
                    if (ids.Add(pendingId))
                        bytes += p.Bytes;
            if (!ids.Contains(id))
            {
                if (ids.Count >= maxMessagesPerPeer)
                    return $"contact request full: {ids.Count} messages from {peer.Short} already wait for a decision (at most {maxMessagesPerPeer})";
                if (bytes + size > maxBytesPerPeer)
                    return $"contact request full: {bytes + size} bytes from {peer.Short} would wait for a decision (at most {maxBytesPerPeer})";
                if (ids.Count == 0 && WaitingPeers() >= maxPeers)
                    return $"{maxPeers} contact requests wait for a decision already";
            }
            if (pending is null)
                _admitted[peer.Value] = pending = [];
            var admitted = pending.GetValueOrDefault(id, new Pending(size, 0));
            pending[id] = admitted with { Admissions = admitted.Admissions + 1 };
            return null;
        }
    }

    // Peers with held or admitted messages, each once. Call under the lock.
    private int WaitingPeers()
    {
        var peers = new HashSet<string>(store.HeldPeers(), StringComparer.Ordinal);
        peers.UnionWith(_admitted.Keys);
        return peers.Count;
    }

    /// <summary>The store answered for admitted message <paramref name="id"/>; true when it is the first of this peer's request (announce it).</summary>
    public bool Settle(PeerId peer, Guid id, bool stored)
    {
        lock (_gate)
        {
            if (_admitted.TryGetValue(peer.Value, out var pending) && pending.TryGetValue(id, out var admitted))
            {
                if (admitted.Admissions > 1)
                    pending[id] = admitted with { Admissions = admitted.Admissions - 1 };
                else if (pending.Remove(id) && pending.Count == 0)
                    _admitted.Remove(peer.Value);
            }
            return stored && _announced.Add(peer.Value);
        }
    }

    /// <summary>How many messages <paramref name="peer"/> has waiting.</summary>
    public int CountFrom(PeerId peer) => store.HeldFrom(peer.Value).Count;

    public IReadOnlyList<HeldMessages> List() =>
        store.Held()
            .Where(m => PeerId.TryParse(m.PeerId, out _))
            .GroupBy(m => m.PeerId!, StringComparer.Ordinal)
            .Select(g =>
            {
                var last = g.Last();
                // Every key parsed in the filter above.
                var id = PeerId.TryParse(g.Key, out var parsed) ? parsed : throw new InvalidOperationException($"bad peer ID {g.Key}");
                return new HeldMessages(id, AddressOf(last.Address), last.Name,
                    g.Select(m => new ChatMessage(m.Id, m.SentAt, m.Text)).ToList());
            })
            .ToList();

    /// <summary>
    /// The address a message was stored with, as it was recorded: the port came from the peer's HELLO, so it is
    /// not checked against the rules for ports a user types.
    /// </summary>
    public static PeerKey AddressOf(string stored)
    {
        var colon = stored.LastIndexOf(':');
        return colon > 0 && int.TryParse(stored.AsSpan(colon + 1), out var port)
            ? new PeerKey(stored[..colon].Trim('[', ']'), port)
            : new PeerKey(stored, 0);
    }

    /// <summary>The peer is trusted: its messages are released (to be shown now), oldest first.</summary>
    public IReadOnlyList<StoredMessage> Release(PeerId peer)
    {
        lock (_gate)
            _announced.Remove(peer.Value);
        return store.ReleaseHeld(peer.Value);
    }

    /// <summary>Rejected or blocked: its held messages are deleted. True when there were any.</summary>
    public bool Drop(PeerId peer)
    {
        lock (_gate)
            _announced.Remove(peer.Value);
        return store.DropHeld(peer.Value) > 0;
    }
}
