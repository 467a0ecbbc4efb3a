using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Rendering;

/// <summary>Mailboxes as the terminal shows them: <c>mailbox status</c> (also the menu's), and where a message waits.</summary>
internal static class MailboxText
{
    /// <summary>The mailboxes this node uses and the peers it holds mail for, a line each (none of either without a store).</summary>
    public static IEnumerable<string> Status(MailboxStore? store, TrustStore trust)
    {
        var used = store?.Used() ?? [];
        yield return used.Count == 0 ? "Your mailboxes: none (mailbox use ID)." : "Your mailboxes:";
        foreach (var u in used)
            yield return $"  {u.Mailbox}{Named(u.Mailbox, trust)}  {MailboxLabels.Of(u.LastState)}{(u.LastAnswerAt is { } at ? $" (answered {at.ToLocalTime():yyyy-MM-dd HH:mm})" : "")}";
        var served = store?.Served() ?? [];
        yield return served.Count == 0 ? "Holding mail for: nobody (mailbox serve ID)." : "Holding mail for:";
        foreach (var s in served)
            yield return $"  {s.Recipient}{Named(s.Recipient, trust)}  {MailboxLabels.Of(s)}  {s.HeldCount}/{s.Quota.MaxEnvelopes} envelopes, " +
                         $"{s.HeldBytes / 1024.0:0.#}/{s.Quota.MaxBytes >> 10} KB, kept {s.Quota.Expiry.TotalDays:0.##} days";
    }

    /// <summary><c>mailbox stop-serving</c> (and the menu's) when the peer was served or had asked.</summary>
    public static string Stopped(PeerId id, int dropped) => $"Stopped serving {id}; {Counted.Of(dropped, "envelope")} dropped.";

    /// <summary>The refusal for a peer never served, worded as stop-using's.</summary>
    public static string NotServed(PeerId id) => $"{id} was not a peer you hold mail for";

    /// <summary>
    /// Where an outgoing message waits, per recipient: "in the outbox", or "held by mailbox NAME" (a sealed copy
    /// there; it stays in the outbox too until delivered). Null when it waits for nobody (delivered or failed).
    /// </summary>
    public static string? Waiting(IReadOnlyList<WaitingCopy>? copies, TrustStore trust)
    {
        if (copies is null)
            return null;
        if (copies.Count == 0)
            return "waiting in the outbox";
        return string.Join("; ", copies.Select(c => $"for {Name(c.Recipient, trust)}: " + (c.HeldBy.Count == 0
            ? "waiting in the outbox"
            : "held by mailbox " + string.Join(", ", c.HeldBy.Select(m => Name(m, trust))))));
    }

    /// <summary>The name the user knows a peer by (shown safely), else its short ID.</summary>
    public static string Name(PeerId id, TrustStore trust) =>
        trust.Find(id)?.Name is { Length: > 0 } name ? TerminalText.Safe(name) : id.Short;

    private static string Named(PeerId id, TrustStore trust) =>
        trust.Find(id)?.Name is { Length: > 0 } name ? $" ({TerminalText.Safe(name)})" : "";
}
