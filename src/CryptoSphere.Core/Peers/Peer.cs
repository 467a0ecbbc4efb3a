namespace CryptoSphere.Core.Peers;

/// <summary>A snapshot of one row of the peer table.</summary>
public sealed record Peer(
    PeerKey Key,
    string Name,
    PeerProtocol Protocol,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long MessageCount);
