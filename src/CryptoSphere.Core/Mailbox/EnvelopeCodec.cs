using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The sealed envelope's bytes (docs/protocol.md, "Sealed envelopes"). Layout, big-endian:
/// u8 version (1), 32-byte sender ID, 32-byte recipient ID, 16-byte envelope ID, i64 created (Unix ms),
/// u32 ciphertext length, u16 length + sender identity SubjectPublicKeyInfo, 65-byte ephemeral P-256 point,
/// the AES-256-GCM ciphertext with its 16-byte tag, then the sender's 64-byte ECDSA signature over the
/// context "CryptoSphere envelope v1", a zero byte and every byte before the signature.
/// Decoding is strict: every length is bounded and the total must match exactly.
/// </summary>
internal static class EnvelopeCodec
{
    public const byte Version = 1;
    public const int TagSize = 16;
    public static readonly int MaxCiphertextBytes = EnvelopePayloadCodec.MaxPlaintextBytes + TagSize;
    public static readonly int MaxEnvelopeBytes =
        1 + 2 * PeerIdWire.Size + 16 + 8 + 4 + 2 + IdentitySignature.MaxKeyBytes + AgreementPoint.Size + MaxCiphertextBytes + IdentitySignature.Size;

    /// <summary>Everything before the ciphertext, which is the AES-GCM associated data.</summary>
    public static byte[] EncodePrefix(EnvelopeHeader header, ReadOnlySpan<byte> senderKey, ReadOnlySpan<byte> ephemeralPoint)
    {
        var writer = new WireWriter().Byte(header.Version);
        Span<byte> id = stackalloc byte[PeerIdWire.Size];
        PeerIdWire.Write(id, header.Sender);
        writer.Bytes(id);
        PeerIdWire.Write(id, header.Recipient);
        writer.Bytes(id);
        return writer.Guid(header.EnvelopeId).Time(header.CreatedAt).UInt32((uint)header.Size)
            .Short(senderKey).Bytes(ephemeralPoint).ToArray();
    }

    /// <summary>The envelope ID of something that claims to be an envelope, to name it in an answer; empty if it cannot be read.</summary>
    public static Guid PeekId(ReadOnlySpan<byte> encoded) =>
        encoded.Length >= 81 && encoded[0] == Version ? new Guid(encoded.Slice(65, 16), bigEndian: true) : Guid.Empty;

    public static SealedEnvelope Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length > MaxEnvelopeBytes)
            throw new EnvelopeException($"envelope of {encoded.Length} bytes exceeds the {MaxEnvelopeBytes}-byte cap");
        var reader = new WireReader(encoded, "envelope");
        var version = reader.Byte("version");
        if (version != Version)
            throw new EnvelopeException($"envelope version {version} is not supported");
        var sender = PeerIdWire.Read(reader.Bytes(PeerIdWire.Size, "sender ID"));
        var recipient = PeerIdWire.Read(reader.Bytes(PeerIdWire.Size, "recipient ID"));
        var envelopeId = reader.Guid("envelope ID");
        var created = reader.Time("created time");
        var size = reader.UInt32("ciphertext length");
        if (size < TagSize + EnvelopePayloadCodec.PadBlock || size > MaxCiphertextBytes || (size - TagSize) % EnvelopePayloadCodec.PadBlock != 0)
            throw new EnvelopeException($"envelope ciphertext length {size} is not one a sender writes");
        var senderKeyOffset = reader.Position + 2;
        var senderKey = reader.Short("sender key", 1, IdentitySignature.MaxKeyBytes);
        reader.Bytes(AgreementPoint.Size, "ephemeral key");
        var ciphertextOffset = reader.Position;
        reader.Bytes((int)size, "ciphertext");
        reader.Bytes(IdentitySignature.Size, "signature");
        reader.End();
        var header = new EnvelopeHeader(version, sender, recipient, envelopeId, created, (int)size);
        return new SealedEnvelope(encoded.ToArray(), header, senderKeyOffset, senderKey.Length, ciphertextOffset);
    }
}
