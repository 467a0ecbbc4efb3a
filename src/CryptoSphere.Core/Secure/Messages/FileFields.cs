using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>Fields every file-transfer frame shares: the 16-byte transfer ID and u64 byte counts.</summary>
internal static class FileFields
{
    public const int IdSize = 16;

    public static void WriteId(Span<byte> span, Guid id) => id.TryWriteBytes(span, bigEndian: true, out _);

    public static Guid ReadId(ReadOnlySpan<byte> span) => new(span[..IdSize], bigEndian: true);

    public static void WriteCount(Span<byte> span, long value) => BinaryPrimitives.WriteUInt64BigEndian(span, (ulong)value);

    /// <summary>A u64 size or offset; values a signed 64-bit file offset cannot hold are a protocol error.</summary>
    public static long ReadCount(ReadOnlySpan<byte> span, string what)
    {
        var value = BinaryPrimitives.ReadUInt64BigEndian(span);
        if (value > long.MaxValue)
            throw new FrameFormatException($"{what} {value} is out of range");
        return (long)value;
    }
}
