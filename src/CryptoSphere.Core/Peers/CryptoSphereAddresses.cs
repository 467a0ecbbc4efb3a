using System.Collections.Concurrent;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Peers;

/// <summary>
/// Addresses known to be CryptoSphere nodes though one looked like an old peer once (docs/protocol.md §2.1, a late
/// greeting): they are dialled with a ClientHello at once, without waiting for a greeting, and never sent plaintext by
/// choice. Kept in the store, so a restarted node does not send them plaintext again.
/// </summary>
internal sealed class CryptoSphereAddresses(ChatStore store)
{
    // Read on every dial by address: the store is asked once, on first use.
    private ConcurrentDictionary<PeerKey, byte> Known => field ?? LazyInitializer.EnsureInitialized(ref field,
        () => new ConcurrentDictionary<PeerKey, byte>(store.CryptoSphereAddresses().Select(a => KeyValuePair.Create(a, (byte)0))));

    public bool Contains(PeerKey address) => Known.ContainsKey(address);

    public void Mark(PeerKey address, DateTimeOffset at)
    {
        if (Known.TryAdd(address, 0))
            store.MarkCryptoSphereAddress(address, at);
    }
}
