using System.Buffers.Binary;
using System.Text;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Discovery;

/// <summary>
/// One LAN discovery datagram: "CSD" magic, format version, then the node's peer ID, listen port,
/// protocol version and display name (see docs/protocol.md). A claim only: the TLS handshake proves the ID.
/// </summary>
internal sealed record Announcement(PeerId Id, ushort Port, ushort ProtocolVersion, string Name)
{
    public const int MaxBytes = 512;
    private const byte FormatVersion = 1;
    private static readonly byte[] Magic = "CSD"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public byte[] Encode()
    {
        var id = Encoding.ASCII.GetBytes(Id.Value);
        var name = Secure.Messages.WireText.Bounded(Name, 100);
        var buffer = new byte[Magic.Length + 1 + 1 + id.Length + 2 + 2 + 1 + name.Length];
        var span = buffer.AsSpan();
        Magic.CopyTo(span);
        span[3] = FormatVersion;
        span[4] = (byte)id.Length;
        id.CopyTo(span[5..]);
        var at = 5 + id.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], Port);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], ProtocolVersion);
        span[at + 4] = (byte)name.Length;
        name.CopyTo(span[(at + 5)..]);
        return buffer;
    }

    /// <summary>Parses a datagram; null with a reason for anything that is not a well-formed announcement.</summary>
    public static Announcement? TryDecode(ReadOnlySpan<byte> data, out string error)
    {
        error = "";
        if (data.Length > MaxBytes)
            return Fail($"datagram of {data.Length} bytes is over the {MaxBytes}-byte limit", out error);
        if (data.Length < 5 || !data[..3].SequenceEqual(Magic))
            return Fail("not a CryptoSphere announcement", out error);
        if (data[3] != FormatVersion)
            return Fail($"unknown announcement format {data[3]}", out error);
        var idLength = data[4];
        if (data.Length < 5 + idLength + 5)
            return Fail("announcement too short", out error);
        if (!PeerId.TryParse(Encoding.ASCII.GetString(data.Slice(5, idLength)), out var id))
            return Fail("announcement with a malformed peer ID", out error);
        var at = 5 + idLength;
        var port = BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
        var version = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
        var nameLength = data[at + 4];
        if (port == 0 || data.Length < at + 5 + nameLength)
            return Fail("announcement with a bad port or a name past its end", out error);
        try
        {
            return new Announcement(id, port, version, StrictUtf8.GetString(data.Slice(at + 5, nameLength)));
        }
        catch (DecoderFallbackException)
        {
            return Fail("announcement name is not valid UTF-8", out error);
        }
    }

    private static Announcement? Fail(string reason, out string error)
    {
        error = reason;
        return null;
    }
}
