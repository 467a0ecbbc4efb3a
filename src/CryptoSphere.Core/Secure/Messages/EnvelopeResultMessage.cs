using System.Buffers;
using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>What the mailbox did with an ENVELOPE_PUT. Body: 16-byte envelope ID, u8 outcome.</summary>
internal readonly record struct EnvelopeResultMessage(Guid EnvelopeId, PutOutcome Outcome)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.EnvelopeResult, this, 17, static (span, m) =>
        {
            MailboxFields.WriteGuid(span, m.EnvelopeId);
            span[16] = (byte)m.Outcome;
        });

    public static EnvelopeResultMessage Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length != 17)
            throw new FrameFormatException("ENVELOPE_RESULT body must be 17 bytes");
        Span<byte> span = stackalloc byte[17];
        body.CopyTo(span);
        if (span[16] > (byte)PutOutcome.Stranger)
            throw new FrameFormatException("ENVELOPE_RESULT has an unknown outcome");
        return new EnvelopeResultMessage(MailboxFields.ReadGuid(span), (PutOutcome)span[16]);
    }
}
