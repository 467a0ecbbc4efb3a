using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>Turns what a user typed (a whole ID, or a unique prefix of a known one) into a peer ID (Core's <see cref="Recipients"/>).</summary>
internal static class PeerIdResolver
{
    public static bool TryResolve(string text, TrustStore trust, out PeerId id, out string error) =>
        Recipients.TryResolvePeerId(text, trust, out id, out error);
}
