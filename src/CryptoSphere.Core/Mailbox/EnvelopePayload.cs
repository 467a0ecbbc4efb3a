namespace CryptoSphere.Core.Mailbox;

public enum EnvelopeKind : byte
{
    Direct = 1,
    Group = 2,
}

/// <summary>
/// What a sealed envelope carries, readable only by its recipient: the message as it would travel
/// directly (CHAT or GROUP_MESSAGE), so it is stored, ordered and deduplicated the same way.
/// </summary>
public sealed record EnvelopePayload(EnvelopeKind Kind, Guid MessageId, Guid ConversationId, long Lamport, DateTimeOffset SentAt, string Text)
{
    public static EnvelopePayload Direct(Guid messageId, DateTimeOffset sentAt, string text) =>
        new(EnvelopeKind.Direct, messageId, Guid.Empty, 0, sentAt, text);

    public static EnvelopePayload Group(Guid groupId, Guid messageId, long lamport, DateTimeOffset sentAt, string text) =>
        new(EnvelopeKind.Group, messageId, groupId, lamport, sentAt, text);
}
