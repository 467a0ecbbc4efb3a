using System.Buffers.Binary;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// The mailbox frames at both ends of every limit: a mailbox holds other people's mail, so a bound off by
/// one either drops a legitimate envelope or lets a peer make it hold more than it agreed to.
/// </summary>
public partial class MessageCodecTests
{
    private static byte[] Filled(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 1)).ToArray();

    [Fact]
    public void EnvelopeFrames_CarryFromOneByteUpToTheEnvelopeCap()
    {
        var max = EnvelopeCodec.MaxEnvelopeBytes;

        Assert.Equal([5], EnvelopePutMessage.Decode(Body(5)).Envelope);
        Assert.Equal(Filled(max), EnvelopePutMessage.Decode(Body(Filled(max))).Envelope);
        Assert.Equal($"ENVELOPE_PUT frame carries {max + 1} bytes, at most {max} allowed", Refusal("ENVELOPE_PUT", new byte[max + 1]));
        Assert.Equal([5], EnvelopeMessage.Decode(Body(0, 0, 0, 0, 0, 0, 0, 1, 5)).Envelope);
        Assert.Equal(Filled(max), EnvelopeMessage.Decode(Body([0, 0, 0, 0, 0, 0, 0, 1, .. Filled(max)])).Envelope);
        Assert.Equal($"ENVELOPE frame carries {max + 1} bytes, at most {max} allowed", Refusal("ENVELOPE", [0, 0, 0, 0, 0, 0, 0, 1, .. new byte[max + 1]]));
    }

    [Fact]
    public void Envelope_TheFirstSequenceNumberIsOne_AndTheLargestIsAccepted()
    {
        Assert.Equal(1, EnvelopeMessage.Decode(Body(0, 0, 0, 0, 0, 0, 0, 1, 5)).Sequence);
        Assert.Equal(long.MaxValue, EnvelopeMessage.Decode(Body(0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 5)).Sequence);
    }

    [Fact]
    public void Receipt_CarriesFromOneByteUpToTheReceiptCap()
    {
        var max = DeliveryReceipt.MaxEncodedBytes;

        Assert.Equal([9], ReceiptMessage.Decode(Body(9)).Receipt);
        Assert.Equal(Filled(max), ReceiptMessage.Decode(Body(Filled(max))).Receipt);
        Assert.Equal($"RECEIPT frame carries {max + 1} bytes, at most {max} allowed", Refusal("RECEIPT", new byte[max + 1]));
    }

    [Fact]
    public void MailboxInfo_HasTheExactLayout_AndTakesBothRecordsUpToTheirCaps()
    {
        var key = Filled(AgreementKeyRecord.MaxEncodedBytes);
        var directory = Filled(MailboxDirectory.MaxEncodedBytes);

        var bytes = Encode(new MailboxInfoMessage([1, 2], [3]).Encode);
        var decoded = MailboxInfoMessage.Decode(Body([(byte)(key.Length >> 8), (byte)key.Length, .. key, .. directory]));

        Assert.Equal([.. Header(1 + 2 + 2 + 1, FrameType.MailboxInfo), 0, 2, 1, 2, 3], bytes);
        Assert.Equal(key, decoded.AgreementKey);
        Assert.Equal(directory, decoded.Directory);
        Assert.Equal($"MAILBOX_INFO key record length {key.Length + 1} is out of range",
            Refusal("MAILBOX_INFO", [(byte)((key.Length + 1) >> 8), (byte)(key.Length + 1), .. Filled(key.Length + 1), 3]));
        Assert.Equal($"MAILBOX_INFO frame carries {directory.Length + 1} bytes, at most {directory.Length} allowed",
            Refusal("MAILBOX_INFO", [0, 1, 7, .. Filled(directory.Length + 1)]));
    }

    [Fact]
    public void MailboxRequest_DecodesBothAnswers()
    {
        Assert.True(MailboxRequestMessage.Decode(Body(1)).Wants);
        Assert.False(MailboxRequestMessage.Decode(Body(0)).Wants);
    }

    [Fact]
    public void MailboxStatus_HasTheExactLayout()
    {
        var status = new MailboxStatusMessage(ServeState.Pending, 0x01020304, 0x05060708090A0B0C, TimeSpan.FromSeconds(0x0D0E0F10), 0x11121314, 0x15161718191A1B1C);

        var bytes = Encode(status.Encode);

        Assert.Equal([.. Header(30, FrameType.MailboxStatus), 1, .. Enumerable.Range(1, 28).Select(i => (byte)i)], bytes);
        Assert.Equal(status, MailboxStatusMessage.Decode(Read(bytes).Body));
    }

    [Fact]
    public void MailboxStatus_TakesTheLastStateAndEveryCountAtItsLargest()
    {
        var body = new byte[29];
        body[0] = (byte)ServeState.Stopped;
        BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(1), int.MaxValue);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(5), long.MaxValue);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(13), uint.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(17), int.MaxValue);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(21), long.MaxValue);

        var status = MailboxStatusMessage.Decode(Body(body));

        Assert.Equal(new MailboxStatusMessage(ServeState.Stopped, int.MaxValue, long.MaxValue, TimeSpan.FromSeconds(uint.MaxValue), int.MaxValue, long.MaxValue), status);
    }

    [Fact]
    public void EnvelopeResult_TakesTheLastOutcome()
    {
        Assert.Equal(new EnvelopeResultMessage(SampleId, PutOutcome.Stranger), EnvelopeResultMessage.Decode(Body([.. SampleIdBytes, 5])));
        Assert.Equal(5, (int)PutOutcome.Stranger);
    }

    [Theory]
    [InlineData(1, 0L)]
    [InlineData(MailboxFetchMessage.MaxBatch, long.MaxValue)]
    public void MailboxFetch_TakesTheBatchAndSequenceAtBothEnds(int max, long after)
    {
        var body = new byte[10];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)max);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(2), after);

        Assert.Equal(new MailboxFetchMessage(max, after), MailboxFetchMessage.Decode(Body(body)));
    }

    [Fact]
    public void MailboxFetchEnd_TakesTheLargestCount_AndIsBigEndian()
    {
        Assert.Equal(int.MaxValue, MailboxFetchEndMessage.Decode(Body(0x7F, 0xFF, 0xFF, 0xFF)).Remaining);
        Assert.Equal([.. Header(5, FrameType.MailboxFetchEnd), 0, 1, 2, 3], Encode(new MailboxFetchEndMessage(0x010203).Encode));
    }
}
