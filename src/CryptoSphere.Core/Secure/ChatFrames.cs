using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Secure;

/// <summary>Writing CHAT and ACK frames on a session; what they mean is the messaging feature's business.</summary>
internal static class ChatFrames
{
    public static ValueTask SendChatAsync(this SecureSession session, ChatMessage message) =>
        session.SendAsync(message, static (m, w) => m.Encode(w));

    public static ValueTask SendAckAsync(this SecureSession session, Guid id) =>
        session.SendAsync(new AckMessage(id), static (a, w) => a.Encode(w));

    /// <summary>
    /// Acknowledges without waiting for the write. A session that closed meanwhile loses the ack, and that is
    /// fine: the sender resends, and the resend is acknowledged again.
    /// </summary>
    public static async Task AcknowledgeAsync(this SecureSession session, Guid id)
    {
        try
        {
            await session.SendAckAsync(id).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // See above: the resend is acknowledged.
        }
    }
}
