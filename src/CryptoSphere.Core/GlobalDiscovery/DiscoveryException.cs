namespace CryptoSphere.Core.GlobalDiscovery;

/// <summary>The discovery server could not be reached, proved another identity, or refused the request.</summary>
internal sealed class DiscoveryException(string message, Exception? inner = null) : Exception(message, inner);
