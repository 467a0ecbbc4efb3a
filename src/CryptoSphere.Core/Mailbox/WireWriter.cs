using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Mailbox;

/// <summary>Builds a mailbox record in the layout <see cref="WireReader"/> reads.</summary>
internal sealed class WireWriter
{
    private readonly ArrayBufferWriter<byte> _output = new(256);

    public ReadOnlySpan<byte> Written => _output.WrittenSpan;

    public WireWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        return this;
    }

    public WireWriter Byte(byte value) => Bytes([value]);

    public WireWriter UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_output.GetSpan(2), value);
        _output.Advance(2);
        return this;
    }

    public WireWriter UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
        return this;
    }

    public WireWriter Int64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
        return this;
    }

    public WireWriter Guid(Guid value)
    {
        value.TryWriteBytes(_output.GetSpan(16), bigEndian: true, out _);
        _output.Advance(16);
        return this;
    }

    public WireWriter Time(DateTimeOffset value) => Int64(value.ToUnixTimeMilliseconds());

    public WireWriter Short(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ushort.MaxValue)
            throw new ArgumentException("field longer than a u16 length allows");
        return UInt16((ushort)bytes.Length).Bytes(bytes);
    }

    public byte[] ToArray() => _output.WrittenSpan.ToArray();
}
