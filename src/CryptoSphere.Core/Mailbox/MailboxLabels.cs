using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>The words <c>mailbox status</c>, the menu and the web page use for mailbox states, so they agree.</summary>
public static class MailboxLabels
{
    /// <summary>What a mailbox we use last answered.</summary>
    public static string Of(ServeState? state) => state switch
    {
        null => "not answered yet",
        ServeState.Serving => "holds your mail",
        ServeState.Pending => "asked; its user has not agreed yet",
        ServeState.Refused => "refused (it does not trust you)",
        _ => "stopped",
    };

    /// <summary>
    /// Why <c>mailbox use</c> was refused (the command, the menu and the web page), naming the one reason that applies:
    /// "not a trusted contact, or 8 in use" left the user to guess which.
    /// </summary>
    public static string UseRefused(PeerId id, UseOutcome outcome) => outcome == UseOutcome.Full
        ? $"cannot use {id}: {MailboxStore.MaxUsed} mailboxes are in use already (mailbox stop-using one of them first)"
        : $"cannot use {id}: it is not a trusted contact (trust it first, after comparing its ID)";

    /// <summary>
    /// <c>mailbox use</c> or <c>serve</c> given this node's own ID, which is never a trusted contact: saying so beats
    /// "not a trusted contact", which invites the user to trust themselves.
    /// </summary>
    public static string OwnId(PeerId id) =>
        $"{id.Short}... is your own ID: a mailbox is another peer, a trusted contact, that holds mail while its user is offline";

    /// <summary><c>mailbox use</c> of one already used: nothing changed.</summary>
    public static string AlreadyUsed(PeerId id) =>
        $"{id} is already one of your mailboxes; your node asks it to hold your mail whenever it connects to it.";

    /// <summary><c>mailbox serve</c> of a peer already served (or agreed to): only the quota given was applied.</summary>
    public static string AlreadyServed(PeerId id, bool asked, MailboxQuota quota) =>
        $"{(asked ? "Already holding mail for" : "Already agreed to hold mail for")} {id}{(asked ? "" : " once it asks")}; " +
        $"quota now: up to {quota.MaxEnvelopes} envelopes, {quota.MaxBytes >> 20} MB, {quota.Expiry.TotalDays:0.##} days each.";

    /// <summary>Where we stand with a peer we hold (or were asked to hold) mail for.</summary>
    public static string Of(ServedRecipient served) =>
        !served.Approved ? "asked you; run mailbox serve to agree" : served.RequestedAt is null ? "agreed; has not asked yet" : "serving";
}
