using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The recipient's signed word that it opened an envelope and kept the message. It travels back through
/// the mailbox (which deletes the envelope) to the sender (whose message turns "delivered"); neither has to
/// trust the mailbox for it. Layout: u8 version (1), 16-byte envelope ID, 16-byte message ID, 32-byte sender
/// ID, 32-byte recipient ID, i64 delivered (Unix ms), u16 length + recipient identity SubjectPublicKeyInfo,
/// 64-byte signature over the context "CryptoSphere delivery receipt v1", a zero byte and all bytes before it.
/// </summary>
public sealed class DeliveryReceipt
{
    public const byte Version = 1;
    public const int MaxEncodedBytes = 1 + 16 + 16 + 2 * PeerIdWire.Size + 8 + 2 + IdentitySignature.MaxKeyBytes + IdentitySignature.Size;
    internal const string Context = "CryptoSphere delivery receipt v1";

    private readonly byte[] _encoded;
    private readonly byte[] _recipientKey;

    private DeliveryReceipt(byte[] encoded, Guid envelopeId, Guid messageId, PeerId sender, PeerId recipient,
        DateTimeOffset deliveredAt, byte[] recipientKey)
    {
        _encoded = encoded;
        EnvelopeId = envelopeId;
        MessageId = messageId;
        Sender = sender;
        Recipient = recipient;
        DeliveredAt = deliveredAt;
        _recipientKey = recipientKey;
    }

    public Guid EnvelopeId { get; }

    public Guid MessageId { get; }

    public PeerId Sender { get; }

    public PeerId Recipient { get; }

    public DateTimeOffset DeliveredAt { get; }

    public ReadOnlyMemory<byte> Encoded => _encoded;

    /// <summary>The receipt for an envelope <paramref name="recipient"/> opened.</summary>
    public static DeliveryReceipt Create(NodeIdentity recipient, OpenedEnvelope opened, TimeProvider? clock = null)
    {
        if (opened.Envelope.Recipient != recipient.Id)
            throw new ArgumentException("only the envelope's recipient can sign its receipt", nameof(recipient));
        var writer = new WireWriter().Byte(Version).Guid(opened.Envelope.Id).Guid(opened.Payload.MessageId)
            .Bytes(PeerIdWire.ToBytes(opened.Author)).Bytes(PeerIdWire.ToBytes(recipient.Id))
            .Time((clock ?? TimeProvider.System).GetUtcNow()).Short(IdentitySignature.PublicKeyOf(recipient));
        writer.Bytes(IdentitySignature.Sign(recipient, Context, writer.Written));
        return Decode(writer.ToArray());
    }

    public static DeliveryReceipt Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length > MaxEncodedBytes)
            throw new EnvelopeException("delivery receipt too long");
        var reader = new WireReader(encoded, "delivery receipt");
        if (reader.Byte("version") != Version)
            throw new EnvelopeException("delivery receipt: unknown version");
        var envelopeId = reader.Guid("envelope ID");
        var messageId = reader.Guid("message ID");
        var sender = PeerIdWire.Read(reader.Bytes(PeerIdWire.Size, "sender ID"));
        var recipient = PeerIdWire.Read(reader.Bytes(PeerIdWire.Size, "recipient ID"));
        var delivered = reader.Time("delivery time");
        var key = reader.Short("recipient key", 1, IdentitySignature.MaxKeyBytes).ToArray();
        reader.Bytes(IdentitySignature.Size, "signature");
        reader.End();
        return new DeliveryReceipt(encoded.ToArray(), envelopeId, messageId, sender, recipient, delivered, key);
    }

    /// <summary>Checks the receipt is signed by the key its recipient ID names (what a mailbox checks).</summary>
    public void VerifySignature()
    {
        var signedLength = _encoded.Length - IdentitySignature.Size;
        IdentitySignature.Verify(_recipientKey, PeerIdWire.ToBytes(Recipient), Context,
            _encoded.AsSpan(0, signedLength), _encoded.AsSpan(signedLength), "delivery receipt");
    }

    /// <summary>
    /// The sender's check: signed by <paramref name="recipient"/>, for a message of <paramref name="sender"/>
    /// with <paramref name="messageId"/>. Throws <see cref="EnvelopeException"/> otherwise.
    /// </summary>
    public void VerifyFor(PeerId sender, PeerId recipient, Guid messageId)
    {
        if (Sender != sender || Recipient != recipient || MessageId != messageId)
            throw new EnvelopeException("delivery receipt is for another message, sender or recipient");
        VerifySignature();
    }
}
