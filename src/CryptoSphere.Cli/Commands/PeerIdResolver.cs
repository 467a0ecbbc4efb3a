using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>Turns what a user typed (a whole ID, or a unique prefix of a known one) into a peer ID.</summary>
internal static class PeerIdResolver
{
    public static bool TryResolve(string text, TrustStore trust, out PeerId id, out string error)
    {
        error = "";
        if (PeerId.TryParse(text, out id))
            return true;
        var matches = trust.MatchPrefix(text);
        switch (matches.Count)
        {
            case 1:
                id = matches[0].Id;
                return true;
            case 0:
                error = $"no known peer ID starts with '{text}' (give the whole 52-character ID for a peer never seen)";
                return false;
            default:
                error = $"'{text}' matches {matches.Count} peers ({string.Join(", ", matches.Select(m => m.Id.Short))}); type more of the ID";
                return false;
        }
    }
}
