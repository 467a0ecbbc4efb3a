using System.Buffers;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The mailbox feature as the node plugs it in: one handler for every mailbox frame type, routing each to
/// the holder's or the client's half. RECEIPT goes both ways (recipient to mailbox, mailbox to sender), so it
/// is routed by whom it is for: a receipt for our own message is the client's, any other the holder's.
/// </summary>
internal sealed class MailboxProtocol(PeerId self, MailboxHolder holder, MailboxClient client)
{
    public static readonly FrameType[] FrameTypes =
    [
        FrameType.MailboxInfo, FrameType.MailboxRequest, FrameType.MailboxStatus, FrameType.EnvelopePut, FrameType.EnvelopeResult,
        FrameType.MailboxFetch, FrameType.Envelope, FrameType.MailboxFetchEnd, FrameType.Receipt, FrameType.ReceiptAck,
    ];

    public MailboxHolder Holder => holder;

    public MailboxClient Client => client;

    public ValueTask HandleAsync(PeerId from, FrameType type, ReadOnlySequence<byte> body, FrameSender send)
    {
        var forClient = type == FrameType.Receipt ? IsOwnReceipt(body) : MailboxClient.FrameTypes.Contains(type);
        if (forClient)
            return client.HandleAsync(from, type, body, send);
        return MailboxHolder.FrameTypes.Contains(type) ? holder.HandleAsync(from, type, body, send) : ValueTask.CompletedTask;
    }

    /// <summary>A session with <paramref name="peer"/> opened: both halves say what they have for it.</summary>
    public async ValueTask OnConnectedAsync(PeerId peer, FrameSender send)
    {
        await client.OnConnectedAsync(peer, send).ConfigureAwait(false);
        await holder.OnConnectedAsync(peer, send).ConfigureAwait(false);
    }

    private bool IsOwnReceipt(ReadOnlySequence<byte> body)
    {
        try
        {
            return DeliveryReceipt.Decode(ReceiptMessage.Decode(body).Receipt).Sender == self;
        }
        catch (EnvelopeException)
        {
            // Malformed: the holder's half refuses it as Invalid.
            return false;
        }
    }
}
