using System.Security.Cryptography;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// A peer ID on the wire: the 32 raw bytes of the SHA-256 it is written from, so records that carry one
/// have a fixed size and compare bytes, not text.
/// </summary>
internal static class PeerIdWire
{
    public const int Size = 32;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static void Write(Span<byte> destination, PeerId id)
    {
        if (id.Value is not { Length: 52 })
            throw new ArgumentException("an empty peer ID has no wire form", nameof(id));
        ulong buffer = 0;
        int bits = 0, index = 0;
        foreach (var c in id.Value)
        {
            buffer = (buffer << 5) | (uint)Alphabet.IndexOf(c);
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                destination[index++] = (byte)(buffer >> bits);
            }
        }
    }

    public static byte[] ToBytes(PeerId id)
    {
        var bytes = new byte[Size];
        Write(bytes, id);
        return bytes;
    }

    /// <summary>Any 32 bytes are a hash, so this cannot fail; whether the ID is the one expected is the caller's check.</summary>
    public static PeerId Read(ReadOnlySpan<byte> source)
    {
        return PeerId.TryParse(Base32.Encode(source[..Size]), out var id)
            ? id
            : throw new InvalidOperationException("32 bytes in base32 are always a peer ID");
    }

    /// <summary>The ID of the key in <paramref name="subjectPublicKeyInfo"/>, in wire form.</summary>
    public static byte[] OfKey(ReadOnlySpan<byte> subjectPublicKeyInfo) => SHA256.HashData(subjectPublicKeyInfo);
}
