using CryptoSphere.Core.Mailbox;
using Microsoft.Extensions.Time.Testing;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>Receipts: signed by the recipient, bound to one envelope, message and sender.</summary>
public sealed class DeliveryReceiptTests : IDisposable
{
    private readonly MailboxParty _alice = new();
    private readonly MailboxParty _bob = new();
    private readonly MailboxParty _carol = new();

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
        _carol.Dispose();
    }

    private (OpenedEnvelope Opened, DeliveryReceipt Receipt) Deliver(string text = "hi")
    {
        var opened = _bob.Opener.Open(_alice.SealTo(_bob, text));
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000));
        return (opened, DeliveryReceipt.Create(_bob.Identity, opened, clock));
    }

    [Fact]
    public void Receipt_BindsEnvelopeMessageSenderAndRecipient_AndSurvivesTheWire()
    {
        var (opened, receipt) = Deliver();

        var decoded = DeliveryReceipt.Decode(receipt.Encoded.Span);

        Assert.Equal(opened.Envelope.Id, decoded.EnvelopeId);
        Assert.Equal(opened.Payload.MessageId, decoded.MessageId);
        Assert.Equal(_alice.Id, decoded.Sender);
        Assert.Equal(_bob.Id, decoded.Recipient);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000), decoded.DeliveredAt);
        decoded.VerifyFor(_alice.Id, _bob.Id, opened.Payload.MessageId);
    }

    [Fact]
    public void Receipt_ForAnotherMessageSenderOrRecipient_IsRefused()
    {
        var (opened, receipt) = Deliver();

        Assert.Throws<EnvelopeException>(() => receipt.VerifyFor(_alice.Id, _bob.Id, Guid.CreateVersion7()));
        Assert.Throws<EnvelopeException>(() => receipt.VerifyFor(_carol.Id, _bob.Id, opened.Payload.MessageId));
        Assert.Throws<EnvelopeException>(() => receipt.VerifyFor(_alice.Id, _carol.Id, opened.Payload.MessageId));
    }

    [Fact]
    public void Receipt_WithAnyByteChanged_IsRefused()
    {
        var (opened, receipt) = Deliver();
        var encoded = receipt.Encoded.ToArray();

        for (var i = 0; i < encoded.Length; i++)
        {
            var tampered = (byte[])encoded.Clone();
            tampered[i] ^= 0x04;
            Assert.Throws<EnvelopeException>(() => DeliveryReceipt.Decode(tampered).VerifyFor(_alice.Id, _bob.Id, opened.Payload.MessageId));
        }
    }

    [Fact]
    public void OnlyTheRecipient_CanSignAReceipt()
    {
        var (opened, _) = Deliver();

        Assert.Throws<ArgumentException>(() => DeliveryReceipt.Create(_carol.Identity, opened));
    }

    [Fact]
    public void ReceiptForgedByTheMailbox_IsRefused()
    {
        // A mailbox (Carol) writes a receipt in Bob's name, with Bob's ID and public key but her signature.
        var (_, genuine) = Deliver();
        var forged = genuine.Encoded.ToArray();
        var signedLength = forged.Length - IdentitySignature.Size;
        IdentitySignature.Sign(_carol.Identity, DeliveryReceipt.Context, forged.AsSpan(0, signedLength)).CopyTo(forged, signedLength);

        var error = Assert.Throws<EnvelopeException>(() => DeliveryReceipt.Decode(forged).VerifySignature());

        Assert.Contains("bad signature", error.Message);
    }
}
