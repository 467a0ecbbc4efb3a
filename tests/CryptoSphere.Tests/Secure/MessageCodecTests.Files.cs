using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// The FILE_* frames at their limits: a size or offset the receiver believes decides where bytes land on
/// disk, and an offered name is the one thing a stranger writes into the receiver's folder.
/// </summary>
public partial class MessageCodecTests
{
    private static readonly byte[] SampleHash = Enumerable.Range(0x40, FileOfferMessage.HashSize).Select(i => (byte)i).ToArray();

    /// <summary>A FILE_OFFER body whose name length field says <paramref name="nameLength"/> and whose name is that many 'n's.</summary>
    private static byte[] OfferBody(int nameLength)
    {
        var body = new byte[58 + nameLength];
        SampleIdBytes.CopyTo(body, 0);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(16), 77);
        SampleHash.CopyTo(body, 24);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(56), (ushort)nameLength);
        body.AsSpan(58).Fill((byte)'n');
        return body;
    }

    [Fact]
    public void FileOffer_ANameOfExactlyTheLimit_IsAccepted()
    {
        var offer = FileOfferMessage.Decode(Body(OfferBody(FileOfferMessage.MaxNameBytes)));

        Assert.Equal(new string('n', 1024), offer.Name);
        Assert.Equal((SampleId, 77L), (offer.TransferId, offer.Size));
        Assert.Equal(SampleHash, offer.Sha256);
    }

    [Fact]
    public void FileOffer_ANameOneByteOverTheLimit_IsRefused_EvenWhenTheBytesAreThere()
    {
        Assert.Equal("FILE_OFFER name of 1025 bytes exceeds 1024", Refusal("FILE_OFFER", OfferBody(FileOfferMessage.MaxNameBytes + 1)));
    }

    [Fact]
    public void FileOffer_ANameLengthPastTheEnd_IsRefused()
    {
        var body = OfferBody(3)[..^1];

        Assert.Equal("FILE_OFFER name runs past the end of the frame", Refusal("FILE_OFFER", body));
    }

    [Fact]
    public void FileOffer_AnInvalidUtf8Name_IsRefused()
    {
        var body = OfferBody(2);
        body[^1] = 0xFF;

        Assert.Equal("FILE_OFFER name is not valid UTF-8", Refusal("FILE_OFFER", body));
    }

    [Fact]
    public void FileOffer_ASizeOverTheSignedRange_IsRefused()
    {
        var body = OfferBody(1);
        body[16] = 0x80; // 2^63 + 77

        Assert.Equal("FILE_OFFER size 9223372036854775885 is out of range", Refusal("FILE_OFFER", body));
    }

    [Fact]
    public void FileOffer_Encode_TakesANameOfExactlyTheLimit_AndRefusesOneByteMore()
    {
        var longest = new string('é', FileOfferMessage.MaxNameBytes / 2);

        var body = Read(Encode(new FileOfferMessage(SampleId, 1, SampleHash, longest).Encode)).Body;
        var error = Assert.Throws<ArgumentException>(() =>
            Encode(new FileOfferMessage(SampleId, 1, SampleHash, longest + "x").Encode));

        Assert.Equal(longest, FileOfferMessage.Decode(body).Name);
        Assert.Equal("file name longer than 1024 bytes", error.Message);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    public void FileOffer_Encode_RefusesAHashThatIsNotSha256Sized(int length)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Encode(new FileOfferMessage(SampleId, 1, new byte[length], "a").Encode));

        Assert.Equal("a SHA-256 hash is 32 bytes", error.Message);
    }

    [Fact]
    public void FileResult_HasTheExactLayout_WithItsReason()
    {
        var bytes = Encode(new FileResultMessage(SampleId, FileResultStatus.Failed, "disk full é").Encode);

        Assert.Equal([.. Header(1 + 16 + 2 + 12, FrameType.FileResult), .. SampleIdBytes, 0, 2, .. Encoding.UTF8.GetBytes("disk full é")], bytes);
        Assert.Equal(new FileResultMessage(SampleId, FileResultStatus.Failed, "disk full é"), FileResultMessage.Decode(Read(bytes).Body));
    }

    [Fact]
    public void FileDecline_AndFileCancel_HaveTheExactLayout_WithTheirText()
    {
        var decline = Encode(new FileDeclineMessage(SampleId, DeclineReason.Unavailable, "busy").Encode);
        var cancel = Encode(new FileCancelMessage(SampleId, "stop").Encode);

        Assert.Equal([.. Header(1 + 16 + 2 + 4, FrameType.FileDecline), .. SampleIdBytes, 0, 3, .. "busy"u8], decline);
        Assert.Equal([.. Header(1 + 16 + 4, FrameType.FileCancel), .. SampleIdBytes, .. "stop"u8], cancel);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(long.MaxValue)]
    public void FileCounts_TakeTheWholeSignedRange(long count)
    {
        byte[] body = [.. SampleIdBytes, 0, 0, 0, 0, 0, 0, 0, 0];
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(16), count);

        Assert.Equal(count, FileDoneMessage.Decode(Body(body)).Size);
        Assert.Equal(count, FileAcceptMessage.Decode(Body(body)).Offset);
        Assert.Equal(count, FileAckMessage.Decode(Body(body)).Offset);
        Assert.Equal(count, FileChunkMessage.Decode(Body(body)).Offset);
    }

    [Fact]
    public void FileChunk_HasTheExactLayout_AndItsDataIsTheRestOfTheBody()
    {
        var bytes = Encode(w => FileChunkMessage.Encode(w, SampleId, 0x0102030405060708, new byte[] { 9, 8, 7 }));

        Assert.Equal([.. Header(1 + 24 + 3, FrameType.FileChunk), .. SampleIdBytes, 1, 2, 3, 4, 5, 6, 7, 8, 9, 8, 7], bytes);
        Assert.Equal([9, 8, 7], FileChunkMessage.Decode(Read(bytes).Body).Data.ToArray());
    }
}
