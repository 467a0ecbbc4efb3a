using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Messaging;

/// <summary>The frame a stored message goes out as: CHAT to one peer, GROUP_MESSAGE in a group.</summary>
internal static class OutboxFrames
{
    public static ChatMessage? AsChat(PendingFrame message) =>
        message.IsGroup ? null : new ChatMessage(message.Id, message.SentAt, message.Text);

    public static GroupChatMessage AsGroupMessage(PendingFrame message) =>
        new(ConversationId.Parse(message.GroupConversation!).GroupId!.Value, message.Id, message.Lamport ?? 0, message.SentAt, message.Text);
}
