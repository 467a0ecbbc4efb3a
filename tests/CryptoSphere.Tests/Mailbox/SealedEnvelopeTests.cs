using System.Text;
using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>Sealing and opening envelopes: what the recipient gets, what anyone else sees, and tampering.</summary>
public sealed class SealedEnvelopeTests : IDisposable
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

    [Fact]
    public void Direct_RoundTrip_GivesTheRecipientTheMessage()
    {
        var payload = EnvelopePayload.Direct(Guid.CreateVersion7(), DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_456), "hello bob ✓");

        var envelope = _alice.SealTo(_bob, payload);
        var opened = _bob.Opener.Open(envelope.Encoded.Span);

        Assert.Equal(payload, opened.Payload);
        Assert.Equal(_alice.Id, opened.Author);
        Assert.False(opened.Duplicate);
    }

    [Fact]
    public void Group_RoundTrip_KeepsGroupAndLamport()
    {
        var payload = EnvelopePayload.Group(Guid.NewGuid(), Guid.CreateVersion7(), 42, DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000), "to the group");

        var opened = _bob.Opener.Open(_alice.SealTo(_bob, payload).Encoded.Span);

        Assert.Equal(payload, opened.Payload);
    }

    [Fact]
    public void Header_ShowsSenderRecipientIdSizeAndTime_ButNotTheText()
    {
        const string text = "the secret plan is in the drawer";
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var envelope = _alice.SealTo(_bob, text);
        var header = SealedEnvelope.Decode(envelope.Encoded.Span).Header;

        Assert.Equal(_alice.Id, header.Sender);
        Assert.Equal(_bob.Id, header.Recipient);
        Assert.Equal(envelope.Id, header.EnvelopeId);
        Assert.Equal(1, header.Version);
        Assert.InRange(header.CreatedAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(256 + 16, header.Size);
        Assert.Equal(-1, envelope.Encoded.Span.IndexOf(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(-1, envelope.Encoded.Span.IndexOf("secret"u8));
    }

    [Fact]
    public void Size_IsPaddedToBlocks_SoShortTextsLookAlike()
    {
        var one = _alice.SealTo(_bob, "a");
        var two = _alice.SealTo(_bob, new string('b', 150));
        var three = _alice.SealTo(_bob, new string('c', 250));

        Assert.Equal(one.Header.Size, two.Header.Size);
        Assert.Equal(one.Encoded.Length, two.Encoded.Length);
        Assert.Equal(one.Header.Size + 256, three.Header.Size);
    }

    [Fact]
    public void EveryEnvelope_HasItsOwnIdAndEphemeralKey()
    {
        var payload = EnvelopePayload.Direct(Guid.CreateVersion7(), DateTimeOffset.UtcNow, "same");

        var one = _alice.SealTo(_bob, payload);
        var two = _alice.SealTo(_bob, payload);

        Assert.NotEqual(one.Id, two.Id);
        Assert.False(one.Ciphertext.Span.SequenceEqual(two.Ciphertext.Span));
    }

    [Fact]
    public void AnyByteChanged_IsRefused()
    {
        var encoded = _alice.SealTo(_bob, "do not touch").Encoded.ToArray();

        for (var i = 0; i < encoded.Length; i++)
        {
            var tampered = (byte[])encoded.Clone();
            tampered[i] ^= 0x20;
            Assert.Throws<EnvelopeException>(() => _bob.Opener.Open(tampered));
        }
    }

    [Fact]
    public void Truncated_OrExtended_IsRefused()
    {
        var encoded = _alice.SealTo(_bob, "length matters").Encoded.ToArray();

        Assert.Throws<EnvelopeException>(() => _bob.Opener.Open(encoded[..^1]));
        Assert.Throws<EnvelopeException>(() => _bob.Opener.Open([.. encoded, 0]));
        Assert.Throws<EnvelopeException>(() => _bob.Opener.Open([]));
    }

    [Fact]
    public void WrongRecipient_CannotOpen()
    {
        var envelope = _alice.SealTo(_bob, "for bob only");

        var error = Assert.Throws<EnvelopeException>(() => _carol.Opener.Open(envelope));

        Assert.Contains("another peer", error.Message);
    }

    [Fact]
    public void SenderWhoRedirectsAnEnvelope_ByRewritingAndResigningTheHeader_ProducesNothingOpenable()
    {
        // Alice (or anyone with her key) re-addresses Bob's envelope to Carol and signs it again: the
        // signature is now valid, but the ciphertext was sealed to Bob's key and to Bob's ID.
        var encoded = _alice.SealTo(_bob, "for bob only").Encoded.ToArray();
        PeerIdWire.Write(encoded.AsSpan(33), _carol.Id);
        Resign(encoded, _alice);

        var error = Assert.Throws<EnvelopeException>(() => _carol.Opener.Open(encoded));

        Assert.Contains("does not decrypt", error.Message);
    }

    [Fact]
    public void SomeoneWhoResignsAnotherSendersEnvelope_AsTheSender_CannotPassItOff()
    {
        // Carol takes Alice's envelope to Bob, puts her own ID and key in and signs it: Bob's check of the
        // signature passes, but the key schedule bound Alice's ID, so it does not decrypt.
        var original = SealedEnvelope.Decode(_alice.SealTo(_bob, "from alice").Encoded.Span);
        var carolKey = _carol.Identity.Certificate.PublicKey.ExportSubjectPublicKeyInfo();
        Assert.Equal(original.SenderKey.Length, carolKey.Length);
        var forged = original.Encoded.ToArray();
        PeerIdWire.Write(forged.AsSpan(1), _carol.Id);
        carolKey.CopyTo(forged.AsSpan(1 + 32 + 32 + 16 + 8 + 4 + 2));
        Resign(forged, _carol);

        var error = Assert.Throws<EnvelopeException>(() => _bob.Opener.Open(forged));

        Assert.Contains("does not decrypt", error.Message);
    }

    [Fact]
    public void SignatureByAnotherKey_IsRefused()
    {
        var encoded = _alice.SealTo(_bob, "signed by alice").Encoded.ToArray();
        Resign(encoded, _carol);

        var error = Assert.Throws<EnvelopeException>(() => _bob.Opener.Open(encoded));

        Assert.Contains("bad signature", error.Message);
    }

    [Fact]
    public void Replay_IsOpenedButMarkedDuplicate()
    {
        var envelope = _alice.SealTo(_bob, "once");

        var first = _bob.Opener.Open(envelope.Encoded.Span);
        var replay = _bob.Opener.Open(envelope.Encoded.Span);

        Assert.False(first.Duplicate);
        Assert.True(replay.Duplicate);
    }

    [Fact]
    public void SameMessageInTwoEnvelopes_IsADuplicate_ButTheSameIdFromAnotherAuthorIsNot()
    {
        var messageId = Guid.CreateVersion7();
        var payload = EnvelopePayload.Direct(messageId, DateTimeOffset.UtcNow, "sent twice");

        var viaFirstMailbox = _bob.Opener.Open(_alice.SealTo(_bob, payload));
        var viaSecondMailbox = _bob.Opener.Open(_alice.SealTo(_bob, payload));
        var sameIdFromCarol = _bob.Opener.Open(_carol.SealTo(_bob, payload));

        Assert.False(viaFirstMailbox.Duplicate);
        Assert.True(viaSecondMailbox.Duplicate);
        Assert.False(sameIdFromCarol.Duplicate);
    }

    [Fact]
    public void Sealing_WithSomeoneElsesKeyRecord_IsRefused()
    {
        var error = Assert.Throws<EnvelopeException>(() =>
            EnvelopeSealer.Seal(_alice.Identity, _bob.Id, _carol.Agreement.Record, EnvelopePayload.Direct(Guid.NewGuid(), DateTimeOffset.UtcNow, "x")));

        Assert.Contains("another peer", error.Message);
    }

    [Fact]
    public void Sealing_TextOverTheLimit_IsRefused()
    {
        var text = new string('x', EnvelopePayloadCodec.MaxTextBytes + 1);

        Assert.Throws<ArgumentException>(() => _alice.SealTo(_bob, text));
    }

    [Fact]
    public void LargestText_RoundTrips()
    {
        var text = new string('x', EnvelopePayloadCodec.MaxTextBytes);

        Assert.Equal(text, _bob.Opener.Open(_alice.SealTo(_bob, text)).Payload.Text);
    }

    [Fact]
    public void Limits_AreTheOnesDocsProtocolStates()
    {
        Assert.Equal(262_144, EnvelopePayloadCodec.MaxTextBytes);
        Assert.Equal(262_416, EnvelopeCodec.MaxCiphertextBytes);
        Assert.Equal(262_896, EnvelopeCodec.MaxEnvelopeBytes);
        Assert.True(EnvelopeCodec.MaxEnvelopeBytes + 8 + 5 < Core.Secure.FrameCodec.DefaultMaxFrameBytes, "an ENVELOPE frame must fit the frame cap");
    }

    private static void Resign(byte[] envelope, MailboxParty signer)
    {
        var signedLength = envelope.Length - IdentitySignature.Size;
        IdentitySignature.Sign(signer.Identity, SealedEnvelope.Context, envelope.AsSpan(0, signedLength)).CopyTo(envelope, signedLength);
    }
}
