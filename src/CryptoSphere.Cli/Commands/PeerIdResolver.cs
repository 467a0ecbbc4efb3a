using CryptoSphere.Cli.Rendering;
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
    /// <summary>
    /// The refusal for a typed relay pseudo-address (<c>relay~ID:PORT</c>, the key a node files a relayed peer under)
    /// that names no known contact: <c>relay~bogus:42067</c> parsed as HOST:PORT, was queued and retried for nothing
    /// (hunt C10). A real one, copied from the node's output, still works. Null for any other address.
    /// </summary>
    public static string? MadeUpRelayAddress(PeerKey address, TrustStore trust)
    {
        const string prefix = "relay~";
        if (!address.Host.StartsWith(prefix, StringComparison.Ordinal))
            return null;
        var named = address.Host[prefix.Length..];
        return PeerId.TryParse(named, out var id) && trust.Find(id) is not null
            ? null
            : $"'{TerminalText.Safe(address.ToString())}' is not an address: relay~ID:PORT names a known contact reached through a relay, and " +
              $"'{TerminalText.Safe(named)}' is not the whole ID of one; send to the peer's ID instead";
    }

    public static string NotATarget(string target, string idError) =>
        target.Contains(':') && !PeerKey.TryParse(target, out _, out var addressError)
            ? $"'{target}' is not a HOST:PORT to send to: {addressError}"
            : $"'{target}' is neither HOST:PORT nor a known peer ID ({idError})";
}
