using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Peers;

/// <summary>A snapshot of one row of the peer table.</summary>
public sealed record Peer(
    PeerKey Key,
    string Name,
    PeerProtocol Protocol,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long MessageCount)
{
    /// <summary>The proven identity of a secure peer; null for legacy peers.</summary>
    public PeerId? Id { get; init; }

    public PeerSource Source { get; init; }
}
