using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// The first frame each side sends after the TLS handshake.
/// Body: u16 version, u16 listen port, u32 capabilities, u16 name length, name (UTF-8). Extra bytes are ignored.
/// </summary>
internal sealed record HelloMessage(ushort Version, ushort ListenPort, uint Capabilities, string Name)
{
    public const ushort CurrentVersion = 1;
    public const int MaxNameBytes = 256;
    private const int FixedSize = 10;

    public void Encode(IBufferWriter<byte> output)
    {
        var name = WireText.Bounded(Name, MaxNameBytes);
        FrameCodec.Write(output, FrameType.Hello, (this, name), FixedSize + name.Length, static (span, s) =>
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, s.Item1.Version);
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], s.Item1.ListenPort);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], s.Item1.Capabilities);
            BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)s.name.Length);
            s.name.CopyTo(span[FixedSize..]);
        });
    }

    public static HelloMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> fixedPart = stackalloc byte[FixedSize];
        WireText.CopyPrefix(body, fixedPart, "HELLO");
        var nameLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[8..]);
        if (nameLength > MaxNameBytes)
            throw new FrameFormatException($"HELLO name of {nameLength} bytes exceeds {MaxNameBytes}");
        if (body.Length < FixedSize + nameLength)
            throw new FrameFormatException("HELLO name runs past the end of the frame");
        return new HelloMessage(
            BinaryPrimitives.ReadUInt16BigEndian(fixedPart),
            BinaryPrimitives.ReadUInt16BigEndian(fixedPart[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(fixedPart[4..]),
            WireText.Decode(body.Slice(FixedSize, nameLength), "HELLO name"));
    }
}
