using System.Security.Cryptography;
using System.Text;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// Turns the ECDH secret into the envelope's AES-256-GCM key and nonce with HKDF-SHA256. The info binds
/// the version, both IDs, the envelope ID and both agreement points, so a ciphertext lifted into another
/// envelope, re-signed by someone else or aimed at another recipient decrypts to nothing.
/// The key is used for exactly one message (the ephemeral key is new each time), so the derived nonce never repeats under it.
/// </summary>
internal static class EnvelopeKeySchedule
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("CryptoSphere envelope v1\0");

    public static (byte[] Key, byte[] Nonce) Derive(ReadOnlySpan<byte> sharedSecret, EnvelopeHeader header,
        ReadOnlySpan<byte> ephemeralPoint, ReadOnlySpan<byte> recipientPoint)
    {
        var info = new WireWriter().Bytes(Label).Byte(header.Version)
            .Bytes(PeerIdWire.ToBytes(header.Sender)).Bytes(PeerIdWire.ToBytes(header.Recipient)).Guid(header.EnvelopeId)
            .Bytes(ephemeralPoint).Bytes(recipientPoint);
        Span<byte> output = stackalloc byte[KeySize + NonceSize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, output, salt: [], info.Written);
        var keys = (output[..KeySize].ToArray(), output[KeySize..].ToArray());
        CryptographicOperations.ZeroMemory(output);
        return keys;
    }
}
