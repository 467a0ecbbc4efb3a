using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>RFC 4506 XDR encoding of the few types relay messages use: big-endian words, padded opaque data.</summary>
internal sealed class XdrWriter
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();

    public int Length => _buffer.WrittenCount;

    public void WriteUInt32(uint value)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, value);
        _buffer.Write<byte>(word);
    }

    public void WriteInt32(int value) => WriteUInt32(unchecked((uint)value));

    /// <summary>XDR has no 16-bit type: a port travels in a full word, upper half zero.</summary>
    public void WriteUInt16(ushort value) => WriteUInt32(value);

    public void WriteBool(bool value) => WriteUInt32(value ? 1u : 0u);

    public void WriteOpaque(ReadOnlySpan<byte> data, int max)
    {
        if (data.Length > max)
            throw new ArgumentException($"{data.Length} bytes where at most {max} are allowed");
        WriteUInt32((uint)data.Length);
        _buffer.Write<byte>(data);
        Span<byte> padding = stackalloc byte[3];
        padding.Clear();
        _buffer.Write<byte>(padding[..Padding(data.Length)]);
    }

    public void WriteString(string value) => WriteOpaque(Encoding.UTF8.GetBytes(value), int.MaxValue);

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    internal static int Padding(int length) => (4 - length % 4) % 4;
}
