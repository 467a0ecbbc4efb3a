namespace CryptoSphere.Core.Mailbox;

public enum EnvelopeKind : byte
{
    Direct = 1,
    Group = 2,
}

/// <summary>
/// What a sealed envelope carries, readable only by its recipient: the message as it would travel
/// directly (CHAT or GROUP_MESSAGE), so it is stored, ordered and deduplicated the same way.
/// <see cref="Lamport"/> orders: a group message's Lamport time, or a direct message's place among its sender's
/// messages to the recipient (a mailbox may hand envelopes over in any order; the recipient sorts by this).
/// </summary>
public sealed record EnvelopePayload(EnvelopeKind Kind, Guid MessageId, Guid ConversationId, long Lamport, DateTimeOffset SentAt, string Text)
{
    public static EnvelopePayload Direct(Guid messageId, DateTimeOffset sentAt, string text, long order = 0) =>
        new(EnvelopeKind.Direct, messageId, Guid.Empty, order, sentAt, text);

    public static EnvelopePayload Group(Guid groupId, Guid messageId, long lamport, DateTimeOffset sentAt, string text) =>
        new(EnvelopeKind.Group, messageId, groupId, lamport, sentAt, text);
}
