using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Commands;

/// <summary>The node a one-off command (send, send-file, group send) works with: it does not listen.</summary>
internal static class SendOnlyNode
{
    public static ChatNode Create(Profile profile, string name, string? advertiseIp, TimeSpan timeout, bool secureOnly = false)
    {
        // Its options reach the LAN only (no relay, no discovery server): its TLS is all CryptoSphere's own.
        NoCertificateAuthorities.ForThisProcess();
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
