namespace CryptoSphere.Core.Peers;

/// <summary>How a peer is reached: on our own network, directly across networks, or through a relay.</summary>
public enum PeerReach { Lan, Direct, Relayed }
