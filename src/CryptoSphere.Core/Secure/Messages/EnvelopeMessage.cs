using System.Buffers;
using System.Buffers.Binary;
using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>A held envelope handed to its recipient. Body: i64 mailbox sequence number (for the next fetch), then the envelope.</summary>
internal sealed record EnvelopeMessage(long Sequence, byte[] Envelope)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.Envelope, this, 8 + Envelope.Length, static (span, m) =>
        {
            BinaryPrimitives.WriteInt64BigEndian(span, m.Sequence);
            m.Envelope.CopyTo(span[8..]);
        });

    public static EnvelopeMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> prefix = stackalloc byte[8];
        WireText.CopyPrefix(body, prefix, "ENVELOPE");
        var sequence = BinaryPrimitives.ReadInt64BigEndian(prefix);
        if (sequence < 1)
            throw new FrameFormatException("ENVELOPE sequence number out of range");
        return new EnvelopeMessage(sequence, MailboxFields.Rest(body, 8, EnvelopeCodec.MaxEnvelopeBytes, "ENVELOPE"));
    }
}
