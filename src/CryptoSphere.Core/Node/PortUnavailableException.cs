namespace CryptoSphere.Core.Node;

public sealed class PortUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
