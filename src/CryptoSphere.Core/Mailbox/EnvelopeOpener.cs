using System.Security.Cryptography;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// Opens envelopes sealed to this node. Order: layout, recipient, sender's signature, then decryption;
/// any failure is an <see cref="EnvelopeException"/> and nothing of the envelope is used.
/// </summary>
internal sealed class EnvelopeOpener(AgreementKey key, ISeenMessages seen)
{
    public OpenedEnvelope Open(ReadOnlySpan<byte> encoded) => Open(SealedEnvelope.Decode(encoded));

    public OpenedEnvelope Open(SealedEnvelope envelope)
    {
        if (envelope.Recipient != key.Owner)
            throw new EnvelopeException("envelope is sealed to another peer");
        envelope.VerifySignature();

        var shared = key.Agree(envelope.EphemeralKey.Span, "envelope ephemeral key");
        var (aesKey, nonce) = EnvelopeKeySchedule.Derive(shared, envelope.Header, envelope.EphemeralKey.Span, key.Record.PublicKey.Span);
        CryptographicOperations.ZeroMemory(shared);
        var ciphertext = envelope.Ciphertext.Span;
        var bodyLength = ciphertext.Length - EnvelopeCodec.TagSize;
        var plaintext = new byte[bodyLength];
        try
        {
            using var aes = new AesGcm(aesKey, EnvelopeCodec.TagSize);
            aes.Decrypt(nonce, ciphertext[..bodyLength], ciphertext[bodyLength..], plaintext, envelope.AssociatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new EnvelopeException("envelope does not decrypt: altered, or sealed to an older agreement key");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }
        var payload = EnvelopePayloadCodec.Decode(plaintext);
        CryptographicOperations.ZeroMemory(plaintext);
        return new OpenedEnvelope(envelope, payload, Duplicate: !seen.TryAdd(envelope.Sender, payload.MessageId));
    }
}
