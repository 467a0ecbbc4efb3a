namespace CryptoSphere.Core.Peers;

/// <summary>How the node first learned of a peer.</summary>
public enum PeerSource { Incoming, Manual, Announced, Exchanged }
