namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>The relay (or whoever answered in its place) sent something that is not Relay Protocol v1.</summary>
internal sealed class RelayProtocolException(string message) : Exception(message);
