using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Secure;

/// <summary>The bodies of the secure frames: exact layouts, round trips, and what malformed input does.</summary>
public partial class MessageCodecTests
{
    private static readonly Guid SampleId = Guid.Parse("01890a5d-ac96-7b3c-8c2e-123456789abc");
    private static readonly byte[] SampleIdBytes =
        [0x01, 0x89, 0x0a, 0x5d, 0xac, 0x96, 0x7b, 0x3c, 0x8c, 0x2e, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc];

    private static byte[] Encode(Action<IBufferWriter<byte>> encode)
    {
        var output = new ArrayBufferWriter<byte>();
        encode(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads the one frame in <paramref name="frame"/> with the frame codec.</summary>
    private static (FrameType Type, ReadOnlySequence<byte> Body) Read(byte[] frame)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.True(FrameCodec.TryRead(ref buffer, FrameCodec.DefaultMaxFrameBytes, out var type, out var body));
        Assert.True(buffer.IsEmpty, "the encoder wrote more than one frame");
        return (type, body);
    }

    private static byte[] Header(int payloadLength, FrameType type)
    {
        var header = new byte[5];
        BinaryPrimitives.WriteInt32BigEndian(header, payloadLength);
        header[4] = (byte)type;
        return header;
    }

    private static ReadOnlySequence<byte> Body(params byte[] bytes) => new(bytes);

    // ---- HELLO ----

    [Fact]
    public void Hello_HasTheExactLayout()
    {
        var bytes = Encode(w => new HelloMessage(1, 0x1234, 0xA0B0C0D0, "bob").Encode(w));

        byte[] expected =
        [
            0, 0, 0, 14, 0x01,         // length 1 + 10 + 3, HELLO
            0x00, 0x01,                // version
            0x12, 0x34,                // listen port
            0xA0, 0xB0, 0xC0, 0xD0,    // capabilities
            0x00, 0x03,                // name length
            (byte)'b', (byte)'o', (byte)'b',
        ];
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData("Zoë 🌍 チーム")]
    public void Hello_RoundTrips(string name)
    {
        var hello = new HelloMessage(HelloMessage.CurrentVersion, 65535, uint.MaxValue, name);

        var (type, body) = Read(Encode(hello.Encode));

        Assert.Equal(FrameType.Hello, type);
        Assert.Equal(hello, HelloMessage.Decode(body));
    }

    [Fact]
    public void Hello_ExtraBytesAfterTheName_AreIgnored()
    {
        byte[] body = [0, 1, 0, 80, 0, 0, 0, 0, 0, 2, (byte)'h', (byte)'i', 0xFF, 0xFE, 0xFD];

        var hello = HelloMessage.Decode(Body(body));

        Assert.Equal(new HelloMessage(1, 80, 0, "hi"), hello);
    }

    [Fact]
    public void Hello_ANameOverTheLimit_IsCutToTheLimit()
    {
        var hello = new HelloMessage(1, 1, 0, new string('n', 300));

        var bytes = Encode(hello.Encode);

        Assert.Equal(HelloMessage.MaxNameBytes, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(13)));
        Assert.Equal(new string('n', HelloMessage.MaxNameBytes), HelloMessage.Decode(Read(bytes).Body).Name);
    }

    [Fact]
    public void Hello_ALongNonAsciiName_IsCutAtACharacterBoundary_SoThePeerCanDecodeIt()
    {
        // 1 + 2 * 200 bytes: the 256-byte limit falls in the middle of an 'é'.
        var name = "a" + new string('é', 200);
        var hello = new HelloMessage(1, 1, 0, name);

        var decoded = HelloMessage.Decode(Read(Encode(hello.Encode)).Body);

        Assert.StartsWith(decoded.Name, name);
        Assert.Equal("a" + new string('é', 127), decoded.Name);
    }

    [Fact]
    public void Hello_ALongEmojiName_IsNotCutInsideASurrogatePair()
    {
        // 4-byte characters: 256 is a multiple of 4 only after a 2-byte prefix is taken away.
        var name = "ab" + string.Concat(Enumerable.Repeat("🌍", 100));

        var decoded = HelloMessage.Decode(Read(Encode(new HelloMessage(1, 1, 0, name).Encode)).Body);

        Assert.StartsWith(decoded.Name, name);
        Assert.Equal("ab" + string.Concat(Enumerable.Repeat("🌍", 63)), decoded.Name);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void Hello_TooShort_Throws(int length)
    {
        var error = Assert.Throws<FrameFormatException>(() => HelloMessage.Decode(Body(new byte[length])));

        Assert.Contains("HELLO", error.Message);
    }

    [Fact]
    public void Hello_ANameLengthPastTheEnd_Throws()
    {
        byte[] body = [0, 1, 0, 80, 0, 0, 0, 0, 0, 5, (byte)'s', (byte)'h', (byte)'o'];

        var error = Assert.Throws<FrameFormatException>(() => HelloMessage.Decode(Body(body)));

        Assert.Contains("past the end", error.Message);
    }

    [Fact]
    public void Hello_ANameLengthOverTheLimit_Throws_EvenWhenTheBytesAreThere()
    {
        var body = new byte[10 + 300];
        body[1] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(8), 300);
        body.AsSpan(10).Fill((byte)'x');

        Assert.Throws<FrameFormatException>(() => HelloMessage.Decode(Body(body)));
    }

    [Fact]
    public void Hello_AnInvalidUtf8Name_Throws()
    {
        byte[] body = [0, 1, 0, 80, 0, 0, 0, 0, 0, 3, (byte)'a', 0xC3, 0x28];

        var error = Assert.Throws<FrameFormatException>(() => HelloMessage.Decode(Body(body)));

        Assert.Contains("UTF-8", error.Message);
    }

    // ---- CHAT ----

    [Fact]
    public void Chat_HasTheExactLayout_BigEndianUuid_UnixMilliseconds_Utf8Text()
    {
        var sentAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var message = new ChatMessage(SampleId, sentAt, "hé");

        var bytes = Encode(message.Encode);

        byte[] expected =
        [
            .. Header(1 + 16 + 8 + 3, FrameType.Chat),
            .. SampleIdBytes,
            0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B, // 1_700_000_000_123 ms
            (byte)'h', 0xC3, 0xA9,
        ];
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("line one\nline two\n<end>\n")]
    [InlineData("emoji 🌍 and ünïcödé")]
    public void Chat_RoundTrips(string text)
    {
        var message = new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.FromUnixTimeMilliseconds(1_234_567_890_123), text);

        var (type, body) = Read(Encode(message.Encode));

        Assert.Equal(FrameType.Chat, type);
        Assert.Equal(message, ChatMessage.Decode(body));
    }

    [Fact]
    public void Chat_SendTime_IsKeptToTheMillisecond()
    {
        var sentAt = new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)).AddTicks(9999);

        var decoded = ChatMessage.Decode(Read(Encode(new ChatMessage(SampleId, sentAt, "t").Encode)).Body);

        Assert.Equal(sentAt.ToUnixTimeMilliseconds(), decoded.SentAt.ToUnixTimeMilliseconds());
        Assert.Equal(TimeSpan.Zero, decoded.SentAt.Offset);
    }

    [Fact]
    public void Chat_Create_MakesAVersion7Id_WrittenBigEndian_WithTheSendTimeInFront()
    {
        var message = ChatMessage.Create("hi");

        var body = Encode(message.Encode)[5..];

        // RFC 9562: version nibble in octet 6, variant bits 10 in octet 8, 48-bit Unix ms first.
        Assert.Equal(7, body[6] >> 4);
        Assert.Equal(0b10, body[8] >> 6);
        var idMillis = (long)BinaryPrimitives.ReadUInt64BigEndian(body) >> 16;
        Assert.InRange(Math.Abs(idMillis - message.SentAt.ToUnixTimeMilliseconds()), 0, 1000);
        Assert.Equal(message.SentAt.ToUnixTimeMilliseconds(), BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(16)));
    }

    [Fact]
    public void Chat_Create_GivesEachMessageItsOwnId()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => ChatMessage.Create("x").Id).ToHashSet();

        Assert.Equal(100, ids.Count);
    }

    [Fact]
    public void Chat_TextSplitAcrossSegments_InsideACharacter_Decodes()
    {
        var message = new ChatMessage(SampleId, DateTimeOffset.FromUnixTimeMilliseconds(5), "aé🌍b");
        var body = Read(Encode(message.Encode)).Body.ToArray();

        // Cuts after 'a', inside 'é', and inside the emoji.
        var decoded = ChatMessage.Decode(Segments.Split(body, 10, 25, 26, 29));

        Assert.Equal(message, decoded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(23)]
    public void Chat_TooShort_Throws(int length)
    {
        var error = Assert.Throws<FrameFormatException>(() => ChatMessage.Decode(Body(new byte[length])));

        Assert.Contains("CHAT", error.Message);
    }

    [Fact]
    public void Chat_ExactlyTheFixedPart_IsAnEmptyText()
    {
        byte[] body = [.. SampleIdBytes, 0, 0, 0, 0, 0, 0, 0, 42];

        var message = ChatMessage.Decode(Body(body));

        Assert.Equal(new ChatMessage(SampleId, DateTimeOffset.FromUnixTimeMilliseconds(42), ""), message);
    }

    [Fact]
    public void Chat_ANegativeSendTime_Throws()
    {
        byte[] body = [.. SampleIdBytes, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, (byte)'x'];

        Assert.Throws<FrameFormatException>(() => ChatMessage.Decode(Body(body)));
    }

    [Fact]
    public void Chat_ASendTimeBeyondTheCalendar_Throws()
    {
        byte[] body = [.. SampleIdBytes, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, (byte)'x'];

        Assert.Throws<FrameFormatException>(() => ChatMessage.Decode(Body(body)));
    }

    [Theory]
    [InlineData(0L, true)]
    [InlineData(253_402_300_799_999L, true)] // the last millisecond DateTimeOffset can hold
    [InlineData(253_402_300_800_000L, false)]
    [InlineData(-1L, false)]
    public void Chat_SendTime_IsAcceptedExactlyWithinTheCalendar(long millis, bool accepted)
    {
        var body = new byte[24];
        SampleIdBytes.CopyTo(body, 0);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(16), millis);

        if (accepted)
            Assert.Equal(millis, ChatMessage.Decode(Body(body)).SentAt.ToUnixTimeMilliseconds());
        else
            Assert.Contains("CHAT send time out of range", Assert.Throws<FrameFormatException>(() => ChatMessage.Decode(Body(body))).Message);
    }

    [Fact]
    public void Chat_Create_TakesTheSendTimeFromTheGivenClock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero));

        Assert.Equal(clock.GetUtcNow(), ChatMessage.Create("x", clock).SentAt);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]       // bad continuation
    [InlineData(new byte[] { 0xFF })]             // never valid
    [InlineData(new byte[] { 0xE2, 0x82 })]       // truncated at the end
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a surrogate half
    public void Chat_InvalidUtf8Text_Throws(byte[] text)
    {
        byte[] body = [.. SampleIdBytes, 0, 0, 0, 0, 0, 0, 0, 1, (byte)'o', (byte)'k', .. text];

        var error = Assert.Throws<FrameFormatException>(() => ChatMessage.Decode(Body(body)));

        Assert.Contains("CHAT text is not valid UTF-8", error.Message);
    }

    // ---- ACK ----

    [Fact]
    public void Ack_IsTheBigEndianMessageId()
    {
        var bytes = Encode(new AckMessage(SampleId).Encode);

        Assert.Equal([.. Header(17, FrameType.Ack), .. SampleIdBytes], bytes);
    }

    [Fact]
    public void Ack_RoundTrips()
    {
        var ack = new AckMessage(Guid.CreateVersion7());

        var (type, body) = Read(Encode(ack.Encode));

        Assert.Equal(FrameType.Ack, type);
        Assert.Equal(ack, AckMessage.Decode(body));
    }

    [Fact]
    public void Ack_TooShort_Throws()
    {
        var error = Assert.Throws<FrameFormatException>(() => AckMessage.Decode(Body(SampleIdBytes[..15])));

        Assert.Contains("ACK", error.Message);
    }

    // ---- GROUP_REFUSED ----

    [Fact]
    public void GroupRefused_IsTheMessageIdTheVersionAndTheReason()
    {
        var bytes = Encode(new GroupRefusedMessage(SampleId, 0x0102030405060708, GroupRefusal.AuthorNotAMember).Encode);

        Assert.Equal([.. Header(27, FrameType.GroupRefused), .. SampleIdBytes, 1, 2, 3, 4, 5, 6, 7, 8, 0, 2], bytes);
    }

    [Fact]
    public void GroupRefused_TooShort_Throws()
    {
        var error = Assert.Throws<FrameFormatException>(() => GroupRefusedMessage.Decode(Body([.. SampleIdBytes, 0, 0, 0, 0, 0, 0, 0, 1, 0])));

        Assert.Contains("GROUP_REFUSED", error.Message);
    }

    // ---- PING / PONG ----

    [Fact]
    public void PingAndPong_ShareABigEndianTokenBody()
    {
        var ping = Encode(w => new PingMessage(0x0102030405060708).Encode(w, FrameType.Ping));
        var pong = Encode(w => new PingMessage(0x0102030405060708).Encode(w, FrameType.Pong));

        Assert.Equal([.. Header(9, FrameType.Ping), 1, 2, 3, 4, 5, 6, 7, 8], ping);
        Assert.Equal([.. Header(9, FrameType.Pong), 1, 2, 3, 4, 5, 6, 7, 8], pong);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(ulong.MaxValue)]
    public void Ping_RoundTrips(ulong token)
    {
        var (type, body) = Read(Encode(w => new PingMessage(token).Encode(w, FrameType.Ping)));

        Assert.Equal(FrameType.Ping, type);
        Assert.Equal(token, PingMessage.Decode(body).Token);
    }

    [Fact]
    public void Ping_TooShort_Throws()
    {
        Assert.Throws<FrameFormatException>(() => PingMessage.Decode(Body(1, 2, 3, 4, 5, 6, 7)));
    }

    // ---- ERROR ----

    [Fact]
    public void Error_IsABigEndianCode_ThenTheUtf8Reason()
    {
        var bytes = Encode(new ErrorMessage(ErrorCode.UnsupportedVersion, "nö").Encode);

        Assert.Equal([.. Header(1 + 2 + 3, FrameType.Error), 0x00, 0x01, (byte)'n', 0xC3, 0xB6], bytes);
    }

    [Fact]
    public void Error_Codes_HaveTheDocumentedValues()
    {
        Assert.Equal(1, (ushort)ErrorCode.UnsupportedVersion);
        Assert.Equal(2, (ushort)ErrorCode.Refused);
        Assert.Equal(3, (ushort)ErrorCode.ProtocolError);
    }

    [Theory]
    [InlineData((ushort)ErrorCode.UnsupportedVersion, "unsupported protocol version 99")]
    [InlineData((ushort)ErrorCode.Refused, "")]
    [InlineData((ushort)0xBEEF, "a code from the future 🚀")]
    public void Error_RoundTrips(ushort code, string reason)
    {
        var error = new ErrorMessage((ErrorCode)code, reason);

        var (type, body) = Read(Encode(error.Encode));

        Assert.Equal(FrameType.Error, type);
        Assert.Equal(error, ErrorMessage.Decode(body));
    }

    [Fact]
    public void Error_TooShort_Throws()
    {
        Assert.Throws<FrameFormatException>(() => ErrorMessage.Decode(Body(0x01)));
    }

    [Fact]
    public void Error_AnInvalidUtf8Reason_Throws()
    {
        var error = Assert.Throws<FrameFormatException>(() => ErrorMessage.Decode(Body(0, 1, (byte)'x', 0xF8, 0x88)));

        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public void Encoders_WriteStrictUtf8_WithoutAByteOrderMark()
    {
        var bytes = Encode(new ErrorMessage(ErrorCode.Refused, "x").Encode);

        Assert.Equal((byte)'x', bytes[^1]);
        Assert.Equal(1 + 2 + 1, BinaryPrimitives.ReadInt32BigEndian(bytes));
        Assert.Equal("x", Encoding.UTF8.GetString(bytes, 7, 1));
    }

    [Fact]
    public void TheWireEncoding_HasNoByteOrderMark_ForAnyWriterThatAsksForOne()
    {
        Assert.Empty(WireText.Utf8.GetPreamble());
    }
}
