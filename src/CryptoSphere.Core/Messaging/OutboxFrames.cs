using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Messaging;

/// <summary>
/// The frame a stored group message goes out as (GROUP_MESSAGE). A 1:1 message is a CHAT frame encoded from its row
/// directly (<see cref="ChatMessage.Encode(System.Buffers.IBufferWriter{byte}, Guid, DateTimeOffset, string)"/>).
/// </summary>
internal static class OutboxFrames
{
    public static GroupChatMessage AsGroupMessage(PendingFrame message) =>
        new(ConversationId.Parse(message.GroupConversation!).GroupId!.Value, message.Id, message.Lamport ?? 0, message.SentAt, message.Text);
}
