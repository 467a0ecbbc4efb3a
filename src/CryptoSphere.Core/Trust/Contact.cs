using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Trust;

/// <summary>What the node remembers about one peer ID (trust on first use).</summary>
public sealed record Contact(
    PeerId Id,
    TrustState State,
    string Name,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    string? LastAddress)
{
    /// <summary>Its Syncthing device ID (hash of its whole certificate), once a handshake showed the certificate.</summary>
    public SyncthingDeviceId? DeviceId { get; init; }

    /// <summary>
    /// True for a contact no handshake has shown yet (made by <c>add</c>, or <c>trust</c>/<c>block</c> of an ID never
    /// met): its <see cref="LastSeen"/> is the Unix epoch, not a time it was seen.
    /// </summary>
    public bool NeverSeen => LastSeen == DateTimeOffset.UnixEpoch;

    /// <summary>The relay it said (in its invite) it can be reached through.</summary>
    public Relay.RelayUrl? Relay { get; init; }
}
