using System.Buffers;
using System.Text;
using CryptoSphere.Core.Secure;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Secure;

/// <summary>The secure frame layout: u32 big-endian payload length (type byte included), type, body.</summary>
public class FrameCodecTests
{
    private const int Max = FrameCodec.DefaultMaxFrameBytes;

    private static byte[] Encode(FrameType type, byte[] body)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameCodec.Write(output, type, body, body.Length, static (span, b) => b.CopyTo(span));
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Frame bytes written by hand, independently of the codec.</summary>
    private static byte[] Frame(byte type, params byte[] body)
    {
        var length = body.Length + 1;
        return [(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, type, .. body];
    }

    // ---- writing ----

    [Fact]
    public void Write_PutsTheBigEndianLengthIncludingTheTypeByte_ThenTypeAndBody()
    {
        var bytes = Encode(FrameType.Chat, "abc"u8.ToArray());

        Assert.Equal(new byte[] { 0, 0, 0, 4, 0x10, (byte)'a', (byte)'b', (byte)'c' }, bytes);
    }

    [Fact]
    public void Write_AnEmptyBody_IsALengthOfOne()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0x05 }, Encode(FrameType.Bye, []));
    }

    [Fact]
    public void Write_ALargeBody_UsesAllFourLengthBytes()
    {
        var body = new byte[0x01_02_03];
        Random.Shared.NextBytes(body);

        var bytes = Encode(FrameType.Chat, body);

        Assert.Equal(new byte[] { 0x00, 0x01, 0x02, 0x04 }, bytes[..4]);
        Assert.Equal(0x10, bytes[4]);
        Assert.Equal(body, bytes[5..]);
    }

    [Fact]
    public void Write_Twice_AppendsTheSecondFrame()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameCodec.Write(output, FrameType.Ping, 0, 1, static (span, _) => span[0] = 0xAA);
        FrameCodec.Write(output, FrameType.Pong, 0, 1, static (span, _) => span[0] = 0xBB);

        Assert.Equal(new byte[] { 0, 0, 0, 2, 0x03, 0xAA, 0, 0, 0, 2, 0x04, 0xBB }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void TheFrameTypes_HaveTheDocumentedCodes()
    {
        Assert.Equal(0x01, (byte)FrameType.Hello);
        Assert.Equal(0x02, (byte)FrameType.Error);
        Assert.Equal(0x03, (byte)FrameType.Ping);
        Assert.Equal(0x04, (byte)FrameType.Pong);
        Assert.Equal(0x05, (byte)FrameType.Bye);
        Assert.Equal(0x10, (byte)FrameType.Chat);
        Assert.Equal(0x11, (byte)FrameType.Ack);
    }

    // ---- reading ----

    [Fact]
    public void TryRead_AWholeFrame_ReturnsTypeAndBody_AndConsumesIt()
    {
        var buffer = new ReadOnlySequence<byte>(Frame(0x10, 1, 2, 3));

        Assert.True(FrameCodec.TryRead(ref buffer, Max, out var type, out var body));

        Assert.Equal(FrameType.Chat, type);
        Assert.Equal(new byte[] { 1, 2, 3 }, body.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_AFrameWithAnEmptyBody_ReturnsAnEmptyBody()
    {
        var buffer = new ReadOnlySequence<byte>(Frame(0x05));

        Assert.True(FrameCodec.TryRead(ref buffer, Max, out var type, out var body));

        Assert.Equal(FrameType.Bye, type);
        Assert.True(body.IsEmpty);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_AnUnknownType_IsReturnedAsIs()
    {
        var buffer = new ReadOnlySequence<byte>(Frame(0x7E, 9));

        Assert.True(FrameCodec.TryRead(ref buffer, Max, out var type, out var body));

        Assert.Equal((FrameType)0x7E, type);
        Assert.Equal(new byte[] { 9 }, body.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TryRead_APartialHeader_ReturnsFalse_AndLeavesTheBuffer(int available)
    {
        var frame = Frame(0x10, 1, 2, 3);
        var buffer = new ReadOnlySequence<byte>(frame[..available]);

        Assert.False(FrameCodec.TryRead(ref buffer, Max, out _, out _));

        Assert.Equal(available, buffer.Length);
    }

    [Theory]
    [InlineData(4)] // header only
    [InlineData(5)] // header and type
    [InlineData(7)] // one body byte missing
    public void TryRead_APartialPayload_ReturnsFalse_AndLeavesTheBuffer(int available)
    {
        var frame = Frame(0x10, 1, 2, 3);
        var buffer = new ReadOnlySequence<byte>(frame[..available]);

        Assert.False(FrameCodec.TryRead(ref buffer, Max, out _, out _));

        Assert.Equal(frame[..available], buffer.ToArray());
    }

    public static TheoryData<int> EverySplitPoint()
    {
        var data = new TheoryData<int>();
        for (var cut = 0; cut <= Frame(0x10, 1, 2, 3, 4, 5).Length; cut++)
            data.Add(cut);
        return data;
    }

    [Theory]
    [MemberData(nameof(EverySplitPoint))]
    public void TryRead_AFrameSplitAcrossTwoSegments_AtAnyPoint_ReadsTheSameFrame(int cut)
    {
        var frame = Frame(0x10, 1, 2, 3, 4, 5);
        var buffer = Segments.Split(frame, cut);
        Assert.False(buffer.IsSingleSegment);

        Assert.True(FrameCodec.TryRead(ref buffer, Max, out var type, out var body));

        Assert.Equal(FrameType.Chat, type);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, body.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_AFrameWithOneByteInEachSegment_ReadsTheFrame()
    {
        var frame = Frame(0x11, Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        var buffer = Segments.BytePerSegment(frame);

        Assert.True(FrameCodec.TryRead(ref buffer, Max, out var type, out var body));

        Assert.Equal(FrameType.Ack, type);
        Assert.Equal(frame[5..], body.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_AHeaderSplitAcrossSegments_WithTheBodyMissing_ReturnsFalse()
    {
        var frame = Frame(0x10, 1, 2, 3);
        var buffer = Segments.Split(frame[..6], 1, 3);

        Assert.False(FrameCodec.TryRead(ref buffer, Max, out _, out _));

        Assert.Equal(6, buffer.Length);
    }

    [Fact]
    public void TryRead_SeveralFramesInOneBuffer_ReadsThemInOrder_AndKeepsAPartialTail()
    {
        byte[] data = [.. Frame(0x01, 7), .. Frame(0x10, 8, 9), .. Frame(0x05), .. Frame(0x11, 1, 2)[..3]];
        var buffer = Segments.Split(data, 3, 9); // segment edges inside the first and second frames

        var read = new List<(FrameType, byte[])>();
        while (FrameCodec.TryRead(ref buffer, Max, out var type, out var body))
            read.Add((type, body.ToArray()));

        Assert.Equal(3, read.Count);
        Assert.Equal(FrameType.Hello, read[0].Item1);
        Assert.Equal(new byte[] { 7 }, read[0].Item2);
        Assert.Equal(FrameType.Chat, read[1].Item1);
        Assert.Equal(new byte[] { 8, 9 }, read[1].Item2);
        Assert.Equal(FrameType.Bye, read[2].Item1);
        Assert.Empty(read[2].Item2);
        Assert.Equal(new byte[] { 0, 0, 0 }, buffer.ToArray());
    }

    // ---- malformed ----

    [Fact]
    public void TryRead_ALengthOfZero_Throws()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 0, 0x10, 1 });

        var error = Assert.Throws<FrameFormatException>(() => FrameCodec.TryRead(ref buffer, Max, out _, out _));

        Assert.Contains("0", error.Message);
    }

    [Fact]
    public void TryRead_ALengthOfZero_ThrowsWithOnlyTheHeader()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[4]);

        Assert.Throws<FrameFormatException>(() => FrameCodec.TryRead(ref buffer, Max, out _, out _));
    }

    [Fact]
    public void TryRead_ALengthOverTheCap_Throws_AsSoonAsTheHeaderIsThere()
    {
        // 2 MiB announced, only the header present: the reader must not wait for the rest.
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x00, 0x20, 0x00, 0x00 });

        var error = Assert.Throws<FrameFormatException>(() => FrameCodec.TryRead(ref buffer, Max, out _, out _));

        Assert.Contains("2097152", error.Message);
    }

    [Fact]
    public void TryRead_TheLargestLength_ThrowsInsteadOfOverflowing()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x10 });

        Assert.Throws<FrameFormatException>(() => FrameCodec.TryRead(ref buffer, Max, out _, out _));
    }

    [Fact]
    public void TryRead_AFrameOfExactlyTheCap_IsAccepted_AndOneMoreByteIsNot()
    {
        var atCap = new ReadOnlySequence<byte>(Frame(0x10, new byte[7]));
        Assert.True(FrameCodec.TryRead(ref atCap, 8, out _, out var body));
        Assert.Equal(7, body.Length);

        var overCap = new ReadOnlySequence<byte>(Frame(0x10, new byte[8]));
        var error = Assert.Throws<FrameFormatException>(() => FrameCodec.TryRead(ref overCap, 8, out _, out _));
        Assert.Contains("8", error.Message);
    }

    [Fact]
    public void TryRead_AfterGoodFrames_ABadOneStillThrows()
    {
        byte[] data = [.. Frame(0x10, (byte)'x'), 0, 0, 0, 0];
        var buffer = new ReadOnlySequence<byte>(data);

        Assert.True(FrameCodec.TryRead(ref buffer, Max, out _, out var body));
        Assert.Equal("x", Encoding.ASCII.GetString(body.ToArray()));
        Assert.Throws<FrameFormatException>(() => FrameCodec.TryRead(ref buffer, Max, out _, out _));
    }

    // ---- pending length (how much a connection waits for) ----

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void PendingLength_WithoutAWholeHeader_IsZero(int available)
    {
        Assert.Equal(0, FrameCodec.PendingLength(new ReadOnlySequence<byte>(new byte[] { 0, 0, 1, 0 }[..available])));
    }

    [Fact]
    public void PendingLength_IsTheHeaderPlusTheAnnouncedLength_FromTheHeaderAlone()
    {
        Assert.Equal(4 + 0x01_02_03, FrameCodec.PendingLength(new ReadOnlySequence<byte>(new byte[] { 0, 1, 2, 3 })));
        Assert.Equal(4 + 3, FrameCodec.PendingLength(Segments.Split(Frame(0x10, 9, 9), 1, 3)));
    }

    [Fact]
    public void PendingLength_OfTheLargestLength_DoesNotOverflow()
    {
        Assert.Equal(4 + (long)uint.MaxValue, FrameCodec.PendingLength(new ReadOnlySequence<byte>(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x10 })));
    }
}
