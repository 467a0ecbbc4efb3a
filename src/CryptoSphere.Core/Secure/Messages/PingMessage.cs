using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>PING and PONG share one body: a u64 token the PONG echoes.</summary>
internal readonly record struct PingMessage(ulong Token)
{
    public void Encode(IBufferWriter<byte> output, FrameType type) =>
        FrameCodec.Write(output, type, Token, 8, static (span, token) => BinaryPrimitives.WriteUInt64BigEndian(span, token));

    public static PingMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> token = stackalloc byte[8];
        WireText.CopyPrefix(body, token, "PING/PONG");
        return new PingMessage(BinaryPrimitives.ReadUInt64BigEndian(token));
    }
}
