using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>The sender has the receipt for this envelope; the mailbox may forget it. Body: the 16-byte envelope ID.</summary>
internal readonly record struct ReceiptAckMessage(Guid EnvelopeId)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.ReceiptAck, EnvelopeId, 16, static (span, id) => MailboxFields.WriteGuid(span, id));

    public static ReceiptAckMessage Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length != 16)
            throw new FrameFormatException("RECEIPT_ACK body must be 16 bytes");
        Span<byte> span = stackalloc byte[16];
        body.CopyTo(span);
        return new ReceiptAckMessage(MailboxFields.ReadGuid(span));
    }
}
