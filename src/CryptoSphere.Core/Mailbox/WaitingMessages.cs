using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// One recipient an outgoing message still waits for: it is always in the sender's outbox until delivered, and
/// <see cref="HeldBy"/> names the mailboxes that said they hold a sealed copy (empty: the outbox only).
/// </summary>
public sealed record WaitingCopy(PeerId Recipient, IReadOnlyList<PeerId> HeldBy);

/// <summary>Where the messages in the outbox wait, for the outbox views (web page, menu, <c>outbox</c>).</summary>
public static class WaitingMessages
{
    /// <summary>
    /// Every message in <paramref name="chat"/>'s outbox, with the recipients it still waits for (a group message
    /// has one per member not yet reached; an old-protocol peer has no ID and no mailbox, so none).
    /// </summary>
    public static IReadOnlyDictionary<Guid, IReadOnlyList<WaitingCopy>> Of(ChatStore chat, MailboxStore mailboxes)
    {
        var waiting = new Dictionary<Guid, List<WaitingCopy>>();
        foreach (var (message, target, _) in chat.Outbox())
        {
            if (!waiting.TryGetValue(message.Id, out var copies))
                waiting[message.Id] = copies = [];
            if (ConversationId.TryParse(target, out var conversation) && conversation.PeerId is { } recipient)
                copies.Add(new WaitingCopy(recipient, mailboxes.HeldBy(message.Id, recipient)));
        }
        return waiting.ToDictionary(w => w.Key, w => (IReadOnlyList<WaitingCopy>)w.Value);
    }
}
