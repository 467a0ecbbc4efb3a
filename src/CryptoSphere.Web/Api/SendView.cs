namespace CryptoSphere.Web.Api;

/// <summary>
/// What became of a message the page sent: sent, queued (in the outbox) or failed. <see cref="Conversation"/>
/// says where it went, which the page only learns here when it wrote to a new address.
/// </summary>
public sealed record SendView(string? To, string? Conversation, Guid? MessageId, string State, string? Error, string Protocol)
{
    /// <summary>What the state alone would misstate (a message that went in plaintext to a node that greeted late).</summary>
    public string? Note { get; init; }
}
