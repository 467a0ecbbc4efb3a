namespace CryptoSphere.Core.Trust;

public enum TrustState { Unknown, Trusted, Blocked }
