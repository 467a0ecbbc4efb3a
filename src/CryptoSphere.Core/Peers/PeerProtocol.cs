namespace CryptoSphere.Core.Peers;

public enum PeerProtocol { Legacy, Secure }
