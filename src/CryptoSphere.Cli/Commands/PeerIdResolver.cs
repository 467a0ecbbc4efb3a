using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>Turns what a user typed (a whole ID, or a unique prefix of a known one) into a peer ID (Core's <see cref="Recipients"/>).</summary>
internal static class PeerIdResolver
{
    public static bool TryResolve(string text, TrustStore trust, out PeerId id, out string error) =>
        Recipients.TryResolvePeerId(text, trust, out id, out error);

    /// <summary>
    /// Why a send's target (HOST:PORT, or a peer ID or prefix) names no peer, given <see cref="TryResolve"/>'s error.
    /// IDs never contain ':', so a target with one was meant as an address: its own fault (a port below 1024, no
    /// port) is the answer, not "neither HOST:PORT nor a peer ID" for what is plainly a HOST:PORT.
    /// </summary>
    public static string NotATarget(string target, string idError) =>
        target.Contains(':') && !PeerKey.TryParse(target, out _, out var addressError)
            ? $"'{target}' is not a HOST:PORT to send to: {addressError}"
            : $"'{target}' is neither HOST:PORT nor a known peer ID ({idError})";
}
