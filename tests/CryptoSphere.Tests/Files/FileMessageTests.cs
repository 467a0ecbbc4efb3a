using System.Buffers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Files;

/// <summary>The FILE_* frame codecs: round trips, the exact bytes of one frame, and refused bodies.</summary>
public sealed class FileMessageTests
{
    private static readonly Guid Id = Guid.Parse("01a22c53-8200-7abc-9def-0123456789ab");

    /// <summary>Encodes, then reads the frame back the way a connection does.</summary>
    private static (FrameType Type, ReadOnlySequence<byte> Body, byte[] Wire) RoundTrip(Action<IBufferWriter<byte>> encode)
    {
        var buffer = new ArrayBufferWriter<byte>();
        encode(buffer);
        var wire = buffer.WrittenSpan.ToArray();
        var sequence = new ReadOnlySequence<byte>(wire);
        Assert.True(FrameCodec.TryRead(ref sequence, FrameCodec.DefaultMaxFrameBytes, out var type, out var body));
        Assert.True(sequence.IsEmpty);
        return (type, body, wire);
    }

    private static ReadOnlySequence<byte> Bytes(params byte[] bytes) => new(bytes);

    [Fact]
    public void FileOffer_round_trips_and_has_the_documented_layout()
    {
        var hash = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var offer = new FileOfferMessage(Id, 0x0102030405, hash, "a.txt");

        var (type, body, wire) = RoundTrip(offer.Encode);

        Assert.Equal(FrameType.FileOffer, type);
        var decoded = FileOfferMessage.Decode(body);
        Assert.Equal((offer.TransferId, offer.Size, offer.Name), (decoded.TransferId, decoded.Size, decoded.Name));
        Assert.Equal(hash, decoded.Sha256);
        Assert.Equal(4 + 1 + 16 + 8 + 32 + 2 + 5, wire.Length);
        Assert.Equal("00000040" + "20" + "01A22C5382007ABC9DEF0123456789AB" + "0000000102030405", Convert.ToHexString(wire[..29]));
        Assert.Equal("0005" + "612E747874", Convert.ToHexString(wire[^7..]));
    }

    [Fact]
    public void FileOffer_ignores_trailing_bytes_and_refuses_bad_names()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new FileOfferMessage(Id, 1, new byte[32], "x").Encode(buffer);
        var body = buffer.WrittenSpan[5..].ToArray();
        Assert.Equal("x", FileOfferMessage.Decode(new(body.Concat(new byte[] { 9, 9 }).ToArray())).Name);

        var tooLong = body.ToArray();
        tooLong[56] = 0x04; // name length 1025 > 1024
        tooLong[57] = 0x01;
        Assert.Throws<FrameFormatException>(() => FileOfferMessage.Decode(new(tooLong)));
        var runsPast = body.ToArray();
        runsPast[57] = 2;
        Assert.Throws<FrameFormatException>(() => FileOfferMessage.Decode(new(runsPast)));
        var badUtf8 = body.ToArray();
        badUtf8[^1] = 0xFF;
        Assert.Throws<FrameFormatException>(() => FileOfferMessage.Decode(new(badUtf8)));
        var hugeSize = body.ToArray();
        hugeSize[16] = 0x80; // u64 over long.MaxValue
        Assert.Throws<FrameFormatException>(() => FileOfferMessage.Decode(new(hugeSize)));
        Assert.Throws<FrameFormatException>(() => FileOfferMessage.Decode(new(body[..57])));
    }

    [Fact]
    public void FileAccept_round_trips()
    {
        var (type, body, wire) = RoundTrip(new FileAcceptMessage(Id, 65536).Encode);
        Assert.Equal(FrameType.FileAccept, type);
        Assert.Equal(new FileAcceptMessage(Id, 65536), FileAcceptMessage.Decode(body));
        Assert.Equal(4 + 1 + 24, wire.Length);
        Assert.Throws<FrameFormatException>(() => FileAcceptMessage.Decode(Bytes(new byte[23])));
    }

    [Fact]
    public void FileDecline_round_trips_with_code_and_text()
    {
        var (type, body, _) = RoundTrip(new FileDeclineMessage(Id, DeclineReason.TooLarge, "over 1 MiB").Encode);
        Assert.Equal(FrameType.FileDecline, type);
        Assert.Equal(new FileDeclineMessage(Id, DeclineReason.TooLarge, "over 1 MiB"), FileDeclineMessage.Decode(body));
        Assert.Throws<FrameFormatException>(() => FileDeclineMessage.Decode(Bytes(new byte[17])));
    }

    [Fact]
    public void FileChunk_round_trips_without_copying_and_allows_any_split()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var (type, body, wire) = RoundTrip(w => FileChunkMessage.Encode(w, Id, 1 << 20, data));
        Assert.Equal(FrameType.FileChunk, type);
        var chunk = FileChunkMessage.Decode(body);
        Assert.Equal(Id, chunk.TransferId);
        Assert.Equal(1 << 20, chunk.Offset);
        Assert.Equal(data, chunk.Data.ToArray());
        Assert.Equal(4 + 1 + 24 + 1000, wire.Length);
        Assert.Equal(0, FileChunkMessage.Decode(Bytes(new byte[24])).Data.Length);
        Assert.Throws<FrameFormatException>(() => FileChunkMessage.Decode(Bytes(new byte[23])));
    }

    [Fact]
    public void FileAck_and_FileDone_round_trip()
    {
        var (ackType, ackBody, _) = RoundTrip(new FileAckMessage(Id, 262144).Encode);
        Assert.Equal(FrameType.FileAck, ackType);
        Assert.Equal(new FileAckMessage(Id, 262144), FileAckMessage.Decode(ackBody));
        var (doneType, doneBody, _) = RoundTrip(new FileDoneMessage(Id, 5_000_000_000).Encode);
        Assert.Equal(FrameType.FileDone, doneType);
        Assert.Equal(new FileDoneMessage(Id, 5_000_000_000), FileDoneMessage.Decode(doneBody));
        Assert.Throws<FrameFormatException>(() => FileAckMessage.Decode(Bytes(new byte[20])));
        Assert.Throws<FrameFormatException>(() => FileDoneMessage.Decode(Bytes(new byte[16])));
    }

    [Fact]
    public void FileCancel_and_FileResult_round_trip()
    {
        var (cancelType, cancelBody, _) = RoundTrip(new FileCancelMessage(Id, "cancelled by the user").Encode);
        Assert.Equal(FrameType.FileCancel, cancelType);
        Assert.Equal(new FileCancelMessage(Id, "cancelled by the user"), FileCancelMessage.Decode(cancelBody));
        var (resultType, resultBody, _) = RoundTrip(new FileResultMessage(Id, FileResultStatus.HashMismatch, "").Encode);
        Assert.Equal(FrameType.FileResult, resultType);
        Assert.Equal(new FileResultMessage(Id, FileResultStatus.HashMismatch, ""), FileResultMessage.Decode(resultBody));
        Assert.Throws<FrameFormatException>(() => FileCancelMessage.Decode(Bytes(new byte[15])));
        Assert.Throws<FrameFormatException>(() => FileResultMessage.Decode(Bytes(new byte[17])));
        Assert.Throws<FrameFormatException>(() => FileCancelMessage.Decode(Bytes(new byte[16].Append((byte)0xC3).ToArray())));
    }
}
