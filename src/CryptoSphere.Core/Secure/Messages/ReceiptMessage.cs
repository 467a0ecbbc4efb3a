using System.Buffers;
using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// A signed delivery receipt: from the recipient to the mailbox (which deletes the envelope), and from the
/// mailbox to the envelope's sender (which answers RECEIPT_ACK). Body: the receipt.
/// </summary>
internal sealed record ReceiptMessage(byte[] Receipt)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.Receipt, Receipt, Receipt.Length, static (span, r) => r.CopyTo(span));

    public static ReceiptMessage Decode(ReadOnlySequence<byte> body) =>
        new(MailboxFields.Rest(body, 0, DeliveryReceipt.MaxEncodedBytes, "RECEIPT"));
}
