using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Rendering;

/// <summary>
/// What <c>add LINK</c> says it did, with the contact's true state: it printed "Added NAME as unverified" for a contact
/// that was trusted or blocked and stayed so. Names come from the link (anyone's word) or the store, so they are escaped.
/// </summary>
internal static class InviteText
{
    /// <param name="before">The contact as it was before the link was added; null when it is new.</param>
    /// <param name="after">The contact now.</param>
    public static string Added(InviteLink link, Contact? before, Contact after)
    {
        var relay = link.Relay is { } r ? $", reachable through {TerminalText.Safe(r.Host)}:{r.Port}" : "";
        if (before is null)
            return $"Added {Named(link.Name, "a contact")} ({link.Id}) as {State(after.State)}{relay}.";
        var was = $"{(before.Name.Length > 0 ? $"{TerminalText.Safe(before.Name)} ({link.Id})" : link.Id)} was already a contact ({State(before.State)})";
        if (before.State is TrustState.Trusted or TrustState.Blocked)
        {
            var linkName = link.Name.Length > 0 && link.Name != before.Name ? $" The link calls it {TerminalText.Safe(link.Name)}." : "";
            var how = before.State == TrustState.Blocked ? " ('cryptosphere unblock' first to take in its link)" : "";
            return $"{was}; nothing changed: a link does not rename or redirect a {State(before.State)} contact{how}.{linkName}";
        }
        // An unverified contact takes what the link carries: say what that was, and nothing the link did not carry.
        var changes = new List<string>();
        if (after.Name != before.Name)
            changes.Add($"renamed to {Named(after.Name, "''")}");
        if (link.Addresses.Count > 0)
            changes.Add($"its address is now {TerminalText.Safe(link.Addresses[0].ToString())}");
        if (link.Relay is { } via)
            changes.Add($"reachable through {TerminalText.Safe(via.Host)}:{via.Port}");
        if (after.State != before.State)
            changes.Add($"now {State(after.State)}");
        return $"{was}; {(changes.Count > 0 ? string.Join("; ", changes) : "nothing changed")}.";
    }

    private static string Named(string name, string none) => name.Length > 0 ? TerminalText.Safe(name) : none;

    private static string State(TrustState state) => state switch
    {
        TrustState.Trusted => "trusted",
        TrustState.Blocked => "blocked",
        _ => "unverified",
    };
}
