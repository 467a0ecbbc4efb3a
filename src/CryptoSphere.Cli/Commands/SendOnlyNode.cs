using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Commands;

/// <summary>The node a one-off command (send, send-file, group send) works with: it does not listen.</summary>
internal static class SendOnlyNode
{
    public static ChatNode Create(Profile profile, string name, string? advertiseIp, TimeSpan timeout, bool secureOnly = false)
    {
        return new(NodeOptions.Default with
        {
            Name = name,
            AdvertiseIp = advertiseIp,
            SecureOnly = secureOnly,
            ConnectTimeout = timeout,
            HandshakeTimeout = timeout,
        }, profile.Identity, profile.Store);
    }
}
