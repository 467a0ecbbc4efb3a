namespace CryptoSphere.Core.Peers;

public enum PeerRemovalReason { Disconnected, Inactive, Unreachable, RemovedByUser }
