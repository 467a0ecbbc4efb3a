using System.Buffers.Binary;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// Reads the mailbox records field by field with every length checked, so a short, long or oversized
/// record is an <see cref="EnvelopeException"/> naming the field, never an index error.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data, string what)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public int Position => _position;

    public ReadOnlySpan<byte> Bytes(int count, string field)
    {
        if (count < 0 || _data.Length - _position < count)
            throw new EnvelopeException($"{what} too short: {field} is cut off");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    public byte Byte(string field) => Bytes(1, field)[0];

    public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2, field));

    public uint UInt32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Bytes(4, field));

    public long Int64(string field) => BinaryPrimitives.ReadInt64BigEndian(Bytes(8, field));

    public Guid Guid(string field) => new(Bytes(16, field), bigEndian: true);

    /// <summary>Unix milliseconds that .NET can represent as a time; anything else is refused.</summary>
    public DateTimeOffset Time(string field)
    {
        var millis = Int64(field);
        if (millis < 0 || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            throw new EnvelopeException($"{what} {field} out of range");
        return DateTimeOffset.FromUnixTimeMilliseconds(millis);
    }

    /// <summary>A u16 length then that many bytes, between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public ReadOnlySpan<byte> Short(string field, int min, int max)
    {
        var length = UInt16(field + " length");
        if (length < min || length > max)
            throw new EnvelopeException($"{what} {field} has {length} bytes, allowed {min}-{max}");
        return Bytes(length, field);
    }

    /// <summary>The bytes read so far, e.g. the part a signature covers.</summary>
    public ReadOnlySpan<byte> Consumed => _data[.._position];

    public void End()
    {
        if (_position != _data.Length)
            throw new EnvelopeException($"{what} has {_data.Length - _position} unexpected bytes at the end");
    }
}
