using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// A sealed envelope as bytes, parsed (see <see cref="EnvelopeCodec"/> for the layout). Parsing checks only
/// the layout; <see cref="VerifySignature"/> checks the sender signed it, and only the recipient's
/// <see cref="EnvelopeOpener"/> can read what is inside.
/// </summary>
public sealed class SealedEnvelope
{
    internal const string Context = "CryptoSphere envelope v1";

    private readonly byte[] _encoded;

    internal SealedEnvelope(byte[] encoded, EnvelopeHeader header, int senderKeyOffset, int senderKeyLength, int ciphertextOffset)
    {
        _encoded = encoded;
        Header = header;
        SenderKey = encoded.AsMemory(senderKeyOffset, senderKeyLength);
        EphemeralKey = encoded.AsMemory(senderKeyOffset + senderKeyLength, AgreementPoint.Size);
        Ciphertext = encoded.AsMemory(ciphertextOffset, header.Size);
    }

    public EnvelopeHeader Header { get; }

    public Guid Id => Header.EnvelopeId;

    public PeerId Sender => Header.Sender;

    public PeerId Recipient => Header.Recipient;

    /// <summary>The whole envelope as sent and stored.</summary>
    public ReadOnlyMemory<byte> Encoded => _encoded;

    internal ReadOnlyMemory<byte> SenderKey { get; }

    internal ReadOnlyMemory<byte> EphemeralKey { get; }

    internal ReadOnlyMemory<byte> Ciphertext { get; }

    /// <summary>Everything before the ciphertext: authenticated as AES-GCM associated data.</summary>
    internal ReadOnlySpan<byte> AssociatedData => _encoded.AsSpan(0, _encoded.Length - IdentitySignature.Size - Header.Size);

    public static SealedEnvelope Decode(ReadOnlySpan<byte> encoded) => EnvelopeCodec.Decode(encoded);

    /// <summary>
    /// Checks the envelope is signed by the key its sender ID names. Anyone can check this (a mailbox does,
    /// before it stores anything); it proves nothing about the contents, which only the recipient can open.
    /// </summary>
    public void VerifySignature()
    {
        var signedLength = _encoded.Length - IdentitySignature.Size;
        IdentitySignature.Verify(SenderKey.Span, PeerIdWire.ToBytes(Sender), Context,
            _encoded.AsSpan(0, signedLength), _encoded.AsSpan(signedLength), "envelope");
    }
}
