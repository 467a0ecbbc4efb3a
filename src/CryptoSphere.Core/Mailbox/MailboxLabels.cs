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

    /// <summary>Where we stand with a peer we hold (or were asked to hold) mail for.</summary>
    public static string Of(ServedRecipient served) =>
        !served.Approved ? "asked you; run mailbox serve to agree" : served.RequestedAt is null ? "agreed; has not asked yet" : "serving";
}
