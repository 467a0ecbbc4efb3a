using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>The receiver got (and kept) a CHAT. Body: the 16-byte message ID.</summary>
internal readonly record struct AckMessage(Guid MessageId)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.Ack, MessageId, 16, static (span, id) => id.TryWriteBytes(span, bigEndian: true, out _));

    public static AckMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> id = stackalloc byte[16];
        WireText.CopyPrefix(body, id, "ACK");
        return new AckMessage(new Guid(id, bigEndian: true));
    }
}
