using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// A sender proposes a file. Body: 16-byte transfer ID, u64 size, 32-byte SHA-256 of the whole file,
/// u16 name length, name (UTF-8, untrusted: the receiver sanitizes it). Extra bytes are ignored.
/// </summary>
internal sealed record FileOfferMessage(Guid TransferId, long Size, byte[] Sha256, string Name)
{
    public const int HashSize = 32;
    public const int MaxNameBytes = 1024;
    private const int FixedSize = FileFields.IdSize + 8 + HashSize + 2;

    public void Encode(IBufferWriter<byte> output)
    {
        if (Sha256.Length != HashSize)
            throw new ArgumentException("a SHA-256 hash is 32 bytes");
        var name = WireText.Utf8.GetBytes(Name);
        if (name.Length > MaxNameBytes)
            throw new ArgumentException($"file name longer than {MaxNameBytes} bytes");
        FrameCodec.Write(output, FrameType.FileOffer, (this, name), FixedSize + name.Length, static (span, s) =>
        {
            FileFields.WriteId(span, s.Item1.TransferId);
            FileFields.WriteCount(span[16..], s.Item1.Size);
            s.Item1.Sha256.CopyTo(span[24..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[56..], (ushort)s.name.Length);
            s.name.CopyTo(span[FixedSize..]);
        });
    }

    public static FileOfferMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> fixedPart = stackalloc byte[FixedSize];
        WireText.CopyPrefix(body, fixedPart, "FILE_OFFER");
        var nameLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[56..]);
        if (nameLength > MaxNameBytes)
            throw new FrameFormatException($"FILE_OFFER name of {nameLength} bytes exceeds {MaxNameBytes}");
        if (body.Length < FixedSize + nameLength)
            throw new FrameFormatException("FILE_OFFER name runs past the end of the frame");
        return new FileOfferMessage(
            FileFields.ReadId(fixedPart),
            FileFields.ReadCount(fixedPart[16..], "FILE_OFFER size"),
            fixedPart.Slice(24, HashSize).ToArray(),
            WireText.Decode(body.Slice(FixedSize, nameLength), "FILE_OFFER name"));
    }
}
