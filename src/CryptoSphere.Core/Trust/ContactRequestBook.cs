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
    // Admitted and not yet committed (the check must count them: the store writes in batches), and the peers
    // whose request was announced in this run.
    private readonly Dictionary<string, (int Count, long Bytes)> _admitted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);

    /// <summary>
    /// Admits a message of <paramref name="text"/> from <paramref name="peer"/> to be held, or says why not.
    /// An admitted message is <see cref="Settle"/>d once the store has answered.
    /// </summary>
    public string? Admit(PeerId peer, string text)
    {
        var (count, bytes) = store.HeldFrom(peer.Value);
        var size = WireText.Utf8.GetByteCount(text);
        lock (_gate)
        {
            var (pendingCount, pendingBytes) = _admitted.GetValueOrDefault(peer.Value);
            count += pendingCount;
            bytes += pendingBytes;
            if (count >= maxMessagesPerPeer)
                return $"contact request full: {count} messages from {peer.Short} already wait for a decision (at most {maxMessagesPerPeer})";
            if (bytes + size > maxBytesPerPeer)
                return $"contact request full: {bytes + size} bytes from {peer.Short} would wait for a decision (at most {maxBytesPerPeer})";
            if (count == 0 && store.HeldPeerCount() + _admitted.Count >= maxPeers)
                return $"{maxPeers} contact requests wait for a decision already";
            _admitted[peer.Value] = (pendingCount + 1, pendingBytes + size);
            return null;
        }
    }

    /// <summary>The store answered for an admitted message; true when it is the first of this peer's request (announce it).</summary>
    public bool Settle(PeerId peer, string text, bool stored)
    {
        lock (_gate)
        {
            var (count, bytes) = _admitted.GetValueOrDefault(peer.Value);
            if (count <= 1)
                _admitted.Remove(peer.Value);
            else
                _admitted[peer.Value] = (count - 1, bytes - WireText.Utf8.GetByteCount(text));
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
