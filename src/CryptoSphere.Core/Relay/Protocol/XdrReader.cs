using System.Buffers.Binary;
using System.Text;

namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>Reads what <see cref="XdrWriter"/> writes; anything short or oversized is a <see cref="RelayProtocolException"/>.</summary>
internal sealed class XdrReader(ReadOnlyMemory<byte> data)
{
    private int _position;

    public uint ReadUInt32()
    {
        var word = Take(4);
        return BinaryPrimitives.ReadUInt32BigEndian(word.Span);
    }

    public int ReadInt32() => unchecked((int)ReadUInt32());

    public ushort ReadUInt16()
    {
        var value = ReadUInt32();
        return value <= ushort.MaxValue ? (ushort)value : throw new RelayProtocolException($"port {value} is out of range");
    }

    public bool ReadBool() => ReadUInt32() switch
    {
        0 => false,
        1 => true,
        var other => throw new RelayProtocolException($"boolean field holds {other}"),
    };

    public byte[] ReadOpaque(int max)
    {
        var length = ReadUInt32();
        if (length > (uint)max)
            throw new RelayProtocolException($"a field of {length} bytes where at most {max} are allowed");
        var bytes = Take((int)length).ToArray();
        Take(XdrWriter.Padding((int)length));
        return bytes;
    }

    public string ReadString(int max) => Encoding.UTF8.GetString(ReadOpaque(max));

    private ReadOnlyMemory<byte> Take(int count)
    {
        if (data.Length - _position < count)
            throw new RelayProtocolException("message body ends in the middle of a field");
        var slice = data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
