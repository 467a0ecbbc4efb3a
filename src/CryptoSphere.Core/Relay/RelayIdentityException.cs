using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Relay;

/// <summary>The server at the relay's address holds a different certificate than the URL's id names.</summary>
internal sealed class RelayIdentityException(RelayUrl relay, SyncthingDeviceId actual)
    : Exception($"the relay at {relay.Host}:{relay.Port} is {actual}, not {relay.RelayId} as configured: refusing")
{
    public SyncthingDeviceId Actual { get; } = actual;
}
