using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// Whether to take a relay session invitation, following <c>--accept</c>: open takes every one; trusted takes only
/// those from device IDs the node has stored for trusted contacts. This only spares work: the peer ID proven in
/// the handshake that follows is what the node checks, as for any connection.
/// </summary>
internal static class RelayInvitationPolicy
{
    public static bool ShouldAccept(AcceptPolicy policy, SyncthingDeviceId? from, Func<SyncthingDeviceId, bool> isTrustedDevice) =>
        policy switch
        {
            AcceptPolicy.Open => true,
            _ => from is { } device && isTrustedDevice(device),
        };
}
