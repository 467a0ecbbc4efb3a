using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// A one-off <c>send</c> (no node running on the data directory) dials the LAN only (<see cref="SendOnlyNode"/>): for a
/// contact reached through a relay it said "offline (connection refused)" while the peer was online on its relay, and
/// <c>add</c> had promised "you can then reach it through its relay" (hunt C5). This names the relay and what to do.
/// </summary>
internal static class OneOffRelayNote
{
    // The key a node files a relayed peer under (RelayReach.KeyFor in Core).
    private const string RelayedHostPrefix = "relay~";

    /// <summary>
    /// What to tell the user when the direct dial to <paramref name="target"/> at <paramref name="direct"/> did not answer
    /// and the contact is known to be reachable through a relay; null when it is not such a contact.
    /// </summary>
    public static string? For(string target, TrustStore trust, string direct)
    {
        if (!PeerIdResolver.TryResolve(target, trust, out var id, out _) || trust.Find(id) is not { } contact)
            return null;
        var relay = contact.Relay is { } r ? $"relay {r.Host}:{r.Port}"
            : contact.LastAddress?.StartsWith(RelayedHostPrefix, StringComparison.Ordinal) == true ? "a relay"
            : null;
        if (relay is null)
            return null;
        return $"{id.Short} is reachable only through {relay} (its address {direct} does not answer); a one-off send does not use relays: " +
               "run `cryptosphere listen` (or start the node) on this data directory to deliver it";
    }
}
