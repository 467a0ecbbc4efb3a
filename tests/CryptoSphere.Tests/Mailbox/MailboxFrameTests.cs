using System.Buffers;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using FsCheck.Xunit;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>The mailbox frames: layouts, round trips through the frame codec, and malformed bodies.</summary>
public sealed class MailboxFrameTests : IDisposable
{
    private static readonly Guid SampleId = Guid.Parse("01890a5d-ac96-7b3c-8c2e-123456789abc");
    private static readonly byte[] SampleIdBytes = [0x01, 0x89, 0x0a, 0x5d, 0xac, 0x96, 0x7b, 0x3c, 0x8c, 0x2e, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc];
    private readonly MailboxParty _alice = new();
    private readonly MailboxParty _bob = new();

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    private static byte[] Encode(Action<IBufferWriter<byte>> encode)
    {
        var output = new ArrayBufferWriter<byte>();
        encode(output);
        return output.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> Read(byte[] frame, FrameType expected)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.True(FrameCodec.TryRead(ref buffer, FrameCodec.DefaultMaxFrameBytes, out var type, out var body));
        Assert.True(buffer.IsEmpty, "the encoder wrote more than one frame");
        Assert.Equal(expected, type);
        return body;
    }

    private static ReadOnlySequence<byte> Body(params byte[] bytes) => new(bytes);

    [Fact]
    public void MailboxRequest_IsOneByte()
    {
        Assert.Equal([0, 0, 0, 2, 0x41, 1], Encode(w => new MailboxRequestMessage(true).Encode(w)));
        Assert.False(MailboxRequestMessage.Decode(Read(Encode(w => new MailboxRequestMessage(false).Encode(w)), FrameType.MailboxRequest)).Wants);
        Assert.Throws<FrameFormatException>(() => MailboxRequestMessage.Decode(Body(2)));
        Assert.Throws<FrameFormatException>(() => MailboxRequestMessage.Decode(Body(1, 0)));
        Assert.Throws<FrameFormatException>(() => MailboxRequestMessage.Decode(Body()));
    }

    [Fact]
    public void MailboxStatus_RoundTrips_AndRefusesUnknownStates()
    {
        var status = new MailboxStatusMessage(ServeState.Serving, 200, 8L << 20, TimeSpan.FromDays(14), 3, 1234);

        var frame = Encode(w => status.Encode(w));

        Assert.Equal(5 + 29, frame.Length);
        Assert.Equal(status, MailboxStatusMessage.Decode(Read(frame, FrameType.MailboxStatus)));
        var body = frame[5..];
        body[0] = 9;
        Assert.Throws<FrameFormatException>(() => MailboxStatusMessage.Decode(Body(body)));
        Assert.Throws<FrameFormatException>(() => MailboxStatusMessage.Decode(Body(frame[5..^1])));
    }

    [Fact]
    public void EnvelopeResult_HasTheExactLayout()
    {
        var frame = Encode(w => new EnvelopeResultMessage(SampleId, PutOutcome.OverQuota).Encode(w));

        Assert.Equal([0, 0, 0, 18, 0x44, .. SampleIdBytes, 3], frame);
        Assert.Equal(new EnvelopeResultMessage(SampleId, PutOutcome.OverQuota), EnvelopeResultMessage.Decode(Read(frame, FrameType.EnvelopeResult)));
        Assert.Throws<FrameFormatException>(() => EnvelopeResultMessage.Decode(Body([.. SampleIdBytes, 6])));
    }

    [Fact]
    public void MailboxFetch_HasTheExactLayout_AndBoundsTheBatch()
    {
        var frame = Encode(w => new MailboxFetchMessage(50, 0x0102).Encode(w));

        Assert.Equal([0, 0, 0, 11, 0x45, 0, 50, 0, 0, 0, 0, 0, 0, 1, 2], frame);
        Assert.Equal(new MailboxFetchMessage(50, 0x0102), MailboxFetchMessage.Decode(Read(frame, FrameType.MailboxFetch)));
        Assert.Throws<FrameFormatException>(() => MailboxFetchMessage.Decode(Body(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        Assert.Throws<FrameFormatException>(() => MailboxFetchMessage.Decode(Body(1, 1, 0, 0, 0, 0, 0, 0, 0, 0)));
        Assert.Throws<FrameFormatException>(() => MailboxFetchMessage.Decode(Body(0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0)));
    }

    [Fact]
    public void EnvelopePut_AndEnvelope_CarryTheEnvelopeBytesUnchanged()
    {
        var envelope = _alice.SealTo(_bob, "via the mailbox").Encoded.ToArray();

        var put = EnvelopePutMessage.Decode(Read(Encode(w => new EnvelopePutMessage(envelope).Encode(w)), FrameType.EnvelopePut));
        var delivered = EnvelopeMessage.Decode(Read(Encode(w => new EnvelopeMessage(42, envelope).Encode(w)), FrameType.Envelope));

        Assert.Equal(envelope, put.Envelope);
        Assert.Equal(42, delivered.Sequence);
        Assert.Equal("via the mailbox", _bob.Opener.Open(delivered.Envelope).Payload.Text);
    }

    [Fact]
    public void EnvelopeFrames_RefuseEmptyAndOversizedEnvelopes()
    {
        var tooBig = new byte[EnvelopeCodec.MaxEnvelopeBytes + 1];

        Assert.Throws<FrameFormatException>(() => EnvelopePutMessage.Decode(Body()));
        Assert.Throws<FrameFormatException>(() => EnvelopePutMessage.Decode(new ReadOnlySequence<byte>(tooBig)));
        Assert.Throws<FrameFormatException>(() => EnvelopeMessage.Decode(new ReadOnlySequence<byte>([0, 0, 0, 0, 0, 0, 0, 1, .. tooBig])));
        Assert.Throws<FrameFormatException>(() => EnvelopeMessage.Decode(Body(0, 0, 0, 0, 0, 0, 0, 0, 1)));
        Assert.Throws<FrameFormatException>(() => EnvelopeMessage.Decode(Body(0, 0, 0, 0, 0, 0, 0, 1)));
    }

    [Fact]
    public void FetchEnd_Receipt_AndReceiptAck_RoundTrip()
    {
        var receipt = DeliveryReceipt.Create(_bob.Identity, _bob.Opener.Open(_alice.SealTo(_bob, "x"))).Encoded.ToArray();

        Assert.Equal(7, MailboxFetchEndMessage.Decode(Read(Encode(w => new MailboxFetchEndMessage(7).Encode(w)), FrameType.MailboxFetchEnd)).Remaining);
        Assert.Equal(receipt, ReceiptMessage.Decode(Read(Encode(w => new ReceiptMessage(receipt).Encode(w)), FrameType.Receipt)).Receipt);
        Assert.Equal([0, 0, 0, 17, 0x49, .. SampleIdBytes], Encode(w => new ReceiptAckMessage(SampleId).Encode(w)));
        Assert.Equal(SampleId, ReceiptAckMessage.Decode(Body(SampleIdBytes)).EnvelopeId);
        Assert.Throws<FrameFormatException>(() => ReceiptMessage.Decode(new ReadOnlySequence<byte>(new byte[DeliveryReceipt.MaxEncodedBytes + 1])));
        Assert.Throws<FrameFormatException>(() => MailboxFetchEndMessage.Decode(Body(0xFF, 0xFF, 0xFF, 0xFF)));
    }

    [Fact]
    public void MailboxInfo_CarriesTheKeyRecordAndDirectory_WhichVerifyForTheirOwner()
    {
        var directory = MailboxDirectory.Create(_bob.Identity, [new MailboxEntry(_alice.Id, "10.0.0.5:41000")]);
        var message = new MailboxInfoMessage(_bob.Agreement.Record.Encoded.ToArray(), directory.Encoded.ToArray());

        var decoded = MailboxInfoMessage.Decode(Read(Encode(w => message.Encode(w)), FrameType.MailboxInfo));
        var record = AgreementKeyRecord.Decode(decoded.AgreementKey);
        var list = MailboxDirectory.Decode(decoded.Directory);

        record.Verify(_bob.Id);
        list.Verify(_bob.Id);
        Assert.Equal(new MailboxEntry(_alice.Id, "10.0.0.5:41000"), Assert.Single(list.Entries));
        Assert.Throws<FrameFormatException>(() => MailboxInfoMessage.Decode(Body(0, 0, 1)));
        Assert.Throws<FrameFormatException>(() => MailboxInfoMessage.Decode(Body(0, 5, 1, 2, 3)));
        Assert.Throws<FrameFormatException>(() => MailboxInfoMessage.Decode(Body([0, 1, 7])));
    }

    [Property(MaxTest = 1000)]
    public bool Every_mailbox_frame_decoder_refuses_or_reads_back_exactly(byte[] body)
    {
        var sequence = new ReadOnlySequence<byte>(body);
        (FrameType Type, Func<ReadOnlySequence<byte>, Action<IBufferWriter<byte>>> Decode)[] decoders =
        [
            (FrameType.MailboxInfo, b => MailboxInfoMessage.Decode(b).Encode),
            (FrameType.MailboxRequest, b => MailboxRequestMessage.Decode(b).Encode),
            (FrameType.MailboxStatus, b => MailboxStatusMessage.Decode(b).Encode),
            (FrameType.EnvelopePut, b => EnvelopePutMessage.Decode(b).Encode),
            (FrameType.EnvelopeResult, b => EnvelopeResultMessage.Decode(b).Encode),
            (FrameType.MailboxFetch, b => MailboxFetchMessage.Decode(b).Encode),
            (FrameType.Envelope, b => EnvelopeMessage.Decode(b).Encode),
            (FrameType.MailboxFetchEnd, b => MailboxFetchEndMessage.Decode(b).Encode),
            (FrameType.Receipt, b => ReceiptMessage.Decode(b).Encode),
            (FrameType.ReceiptAck, b => ReceiptAckMessage.Decode(b).Encode),
        ];
        foreach (var (type, decode) in decoders)
        {
            try
            {
                var reencoded = Encode(decode(sequence));
                if (reencoded[4] != (byte)type || !reencoded.AsSpan(5).SequenceEqual(body))
                    return false;
            }
            catch (FrameFormatException)
            {
            }
        }
        return true;
    }
}
