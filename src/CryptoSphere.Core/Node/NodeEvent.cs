using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Node;

/// <summary>Everything a UI may want to show; published by <see cref="ChatNode"/>, never printed by it.</summary>
public abstract record NodeEvent(DateTimeOffset Time);

public sealed record NodeStarted(DateTimeOffset Time, string AdvertisedIp, int Port, int? RequestedPort) : NodeEvent(Time);

public sealed record MessageReceived(
    DateTimeOffset Time, PeerKey From, string Name, string Text, PeerProtocol Protocol) : NodeEvent(Time);

public sealed record ConnectionRequestReceived(DateTimeOffset Time, PeerKey From, string Name) : NodeEvent(Time);

public sealed record PeerAdded(DateTimeOffset Time, Peer Peer) : NodeEvent(Time);

public sealed record PeerUpdated(DateTimeOffset Time, Peer Peer) : NodeEvent(Time);

public sealed record PeerRemoved(DateTimeOffset Time, Peer Peer, PeerRemovalReason Reason) : NodeEvent(Time);

public sealed record SendFailed(DateTimeOffset Time, PeerKey To, string Reason) : NodeEvent(Time);

/// <summary>Bytes from the network that were refused; nothing else changed.</summary>
public sealed record InputRejected(DateTimeOffset Time, string Remote, string Reason) : NodeEvent(Time);

public sealed record NodeStopped(DateTimeOffset Time) : NodeEvent(Time);
