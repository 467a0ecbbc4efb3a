using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// A node's key-agreement public key, signed by its identity key, so a peer that knows only the node's
/// ID can check the key is the node's before sealing anything to it. Layout: u8 version (1), u16 length +
/// identity SubjectPublicKeyInfo, 65-byte agreement point, i64 created (Unix ms), 64-byte signature over
/// the context "CryptoSphere agreement key v1", a zero byte, and everything before the signature.
/// </summary>
public sealed class AgreementKeyRecord
{
    public const byte Version = 1;
    public const int MaxEncodedBytes = 1 + 2 + IdentitySignature.MaxKeyBytes + AgreementPoint.Size + 8 + IdentitySignature.Size;
    internal const string Context = "CryptoSphere agreement key v1";

    private readonly byte[] _encoded;

    private AgreementKeyRecord(byte[] encoded, byte[] identityKey, byte[] publicKey, DateTimeOffset createdAt)
    {
        _encoded = encoded;
        IdentityKey = identityKey;
        PublicKey = publicKey;
        CreatedAt = createdAt;
        Owner = PeerId.FromPublicKeyInfo(identityKey);
    }

    /// <summary>The node whose identity key signed this record (not yet checked: see <see cref="Verify"/>).</summary>
    public PeerId Owner { get; }

    /// <summary>The owner's identity key (SubjectPublicKeyInfo).</summary>
    public ReadOnlyMemory<byte> IdentityKey { get; }

    /// <summary>The agreement key: 65-byte uncompressed P-256 point.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }

    public DateTimeOffset CreatedAt { get; }

    public ReadOnlySpan<byte> Encoded => _encoded;

    internal static AgreementKeyRecord Create(NodeIdentity identity, byte[] agreementPoint, DateTimeOffset createdAt)
    {
        var writer = Unsigned(IdentitySignature.PublicKeyOf(identity), agreementPoint, createdAt);
        writer.Bytes(IdentitySignature.Sign(identity, Context, writer.Written));
        return Decode(writer.ToArray());
    }

    private static WireWriter Unsigned(byte[] identityKey, byte[] agreementPoint, DateTimeOffset createdAt) =>
        new WireWriter().Byte(Version).Short(identityKey).Bytes(agreementPoint).Time(createdAt);

    /// <summary>Parses the layout strictly; says nothing about who signed it until <see cref="Verify"/>.</summary>
    public static AgreementKeyRecord Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new WireReader(encoded, "agreement key record");
        if (reader.Byte("version") != Version)
            throw new EnvelopeException("agreement key record: unknown version");
        var identityKey = reader.Short("identity key", 1, IdentitySignature.MaxKeyBytes).ToArray();
        var point = reader.Bytes(AgreementPoint.Size, "agreement key").ToArray();
        var created = reader.Time("created time");
        reader.Bytes(IdentitySignature.Size, "signature");
        reader.End();
        return new AgreementKeyRecord(encoded.ToArray(), identityKey, point, created);
    }

    /// <summary>
    /// Checks the record belongs to <paramref name="expectedOwner"/>: its identity key hashes to that ID, the
    /// key signed it, and the agreement key is a valid P-256 point. Throws <see cref="EnvelopeException"/> otherwise.
    /// </summary>
    public void Verify(PeerId expectedOwner)
    {
        if (Owner != expectedOwner)
            throw new EnvelopeException("agreement key record: signed by another peer");
        var signedLength = _encoded.Length - IdentitySignature.Size;
        IdentitySignature.Verify(IdentityKey.Span, PeerIdWire.ToBytes(expectedOwner), Context,
            _encoded.AsSpan(0, signedLength), _encoded.AsSpan(signedLength), "agreement key record");
        AgreementPoint.Import(PublicKey.Span, "agreement key record").Dispose();
    }
}
