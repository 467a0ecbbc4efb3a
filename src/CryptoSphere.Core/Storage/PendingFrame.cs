namespace CryptoSphere.Core.Storage;

/// <summary>
/// An outbox message as a flush needs it: what its frame carries, its place, and whether it is still queued. A flush
/// reads these rather than whole <see cref="StoredMessage"/>s: every message sent is read back once, and the whole
/// row (names, addresses, the peer's ID, refusal reasons) was most of what that read allocated.
/// </summary>
public sealed record PendingFrame(long Sequence, Guid Id, string? GroupConversation, long? Lamport, DateTimeOffset SentAt, string Text, MessageState State)
{
    public bool IsGroup => GroupConversation is not null;

    public static PendingFrame Of(StoredMessage message) =>
        new(message.Sequence, message.Id, message.IsGroup ? message.Conversation : null, message.Lamport, message.SentAt, message.Text, message.State);
}
