namespace CryptoSphere.Web.Api;

/// <summary>
/// What became of a message the page sent: sent, queued (in the outbox) or failed. <see cref="Conversation"/>
/// says where it went, which the page only learns here when it wrote to a new address.
/// </summary>
public sealed record SendView(string? To, string? Conversation, Guid? MessageId, string State, string? Error, string Protocol);
