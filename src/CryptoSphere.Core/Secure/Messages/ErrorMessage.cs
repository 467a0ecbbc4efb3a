using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

internal enum ErrorCode : ushort
{
    UnsupportedVersion = 1,
    Refused = 2,
    ProtocolError = 3,
}

/// <summary>Sent before closing a connection on purpose. Body: u16 code, reason (UTF-8).</summary>
internal sealed record ErrorMessage(ErrorCode Code, string Reason)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var reason = WireText.Utf8.GetBytes(Reason);
        FrameCodec.Write(output, FrameType.Error, (this, reason), 2 + reason.Length, static (span, s) =>
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)s.Item1.Code);
            s.reason.CopyTo(span[2..]);
        });
    }

    public static ErrorMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> code = stackalloc byte[2];
        WireText.CopyPrefix(body, code, "ERROR");
        return new ErrorMessage((ErrorCode)BinaryPrimitives.ReadUInt16BigEndian(code), WireText.Decode(body.Slice(2), "ERROR reason"));
    }
}
