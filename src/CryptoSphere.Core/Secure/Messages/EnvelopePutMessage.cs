using System.Buffers;
using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>A sender leaves a sealed envelope with a recipient's mailbox. Body: the envelope. Answered with ENVELOPE_RESULT.</summary>
internal sealed record EnvelopePutMessage(byte[] Envelope)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.EnvelopePut, Envelope, Envelope.Length, static (span, e) => e.CopyTo(span));

    public static EnvelopePutMessage Decode(ReadOnlySequence<byte> body) =>
        new(MailboxFields.Rest(body, 0, EnvelopeCodec.MaxEnvelopeBytes, "ENVELOPE_PUT"));
}
