using System.Security.Cryptography;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// Seals a message to one recipient: a fresh ephemeral ECDH key agrees with the recipient's agreement key,
/// HKDF derives the AES-256-GCM key, and the sender's identity key signs the whole envelope.
/// </summary>
internal static class EnvelopeSealer
{
    /// <summary>
    /// Seals <paramref name="payload"/> for <paramref name="recipient"/>. The record must be that recipient's
    /// (it is verified here: a record for anyone else is refused with <see cref="EnvelopeException"/>).
    /// </summary>
    public static SealedEnvelope Seal(NodeIdentity sender, PeerId recipient, AgreementKeyRecord recipientKey,
        EnvelopePayload payload, TimeProvider? clock = null)
    {
        recipientKey.Verify(recipient);
        var plaintext = EnvelopePayloadCodec.Encode(payload);
        var header = new EnvelopeHeader(EnvelopeCodec.Version, sender.Id, recipient, Guid.CreateVersion7(),
            (clock ?? TimeProvider.System).GetUtcNow(), plaintext.Length + EnvelopeCodec.TagSize);

        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var recipientPublic = AgreementPoint.Import(recipientKey.PublicKey.Span, "recipient agreement key");
        var ephemeralPoint = AgreementPoint.Export(ephemeral);
        var shared = ephemeral.DeriveRawSecretAgreement(recipientPublic.PublicKey);
        var (key, nonce) = EnvelopeKeySchedule.Derive(shared, header, ephemeralPoint, recipientKey.PublicKey.Span);
        CryptographicOperations.ZeroMemory(shared);

        var prefix = EnvelopeCodec.EncodePrefix(header, IdentitySignature.PublicKeyOf(sender), ephemeralPoint);
        var envelope = new byte[prefix.Length + header.Size + IdentitySignature.Size];
        prefix.CopyTo(envelope, 0);
        var ciphertext = envelope.AsSpan(prefix.Length, plaintext.Length);
        var tag = envelope.AsSpan(prefix.Length + plaintext.Length, EnvelopeCodec.TagSize);
        using (var aes = new AesGcm(key, EnvelopeCodec.TagSize))
            aes.Encrypt(nonce, plaintext, ciphertext, tag, prefix);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(plaintext);

        var signedLength = envelope.Length - IdentitySignature.Size;
        IdentitySignature.Sign(sender, SealedEnvelope.Context, envelope.AsSpan(0, signedLength)).CopyTo(envelope, signedLength);
        return EnvelopeCodec.Decode(envelope);
    }
}
