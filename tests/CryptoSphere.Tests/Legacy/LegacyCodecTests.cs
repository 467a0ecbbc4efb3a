using System.Text;
using CryptoSphere.Core.Legacy;

namespace CryptoSphere.Tests.Legacy;

public class LegacyCodecTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static LegacyChat DecodeChat(string raw)
    {
        var result = LegacyCodec.Decode(Bytes(raw));
        Assert.True(result.Success, result.Error);
        Assert.Null(result.Error);
        return Assert.IsType<LegacyChat>(result.Message);
    }

    private static string DecodeError(byte[] raw)
    {
        var result = LegacyCodec.Decode(raw);
        Assert.False(result.Success);
        Assert.Null(result.Message);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        return result.Error!;
    }

    // ---- encoding: exact bytes ----

    [Fact]
    public void EncodeChat_WritesTheExactSpecBytes_WithoutTrailingNewline()
    {
        var bytes = LegacyCodec.EncodeChat("192.168.1.20", 5000, "Team Rocket", "hello there");

        Assert.Equal(Bytes("<192.168.1.20:5000> @ <Team Rocket>\nhello there\n<end>"), bytes);
        Assert.Equal((byte)'>', bytes[^1]);
    }

    [Fact]
    public void EncodeChat_EncodesNonAsciiAsUtf8()
    {
        var bytes = LegacyCodec.EncodeChat("10.0.0.1", 1234, "Équipe", "héllo ✓");

        Assert.Equal(
            "<10.0.0.1:1234> @ <"u8.ToArray()
                .Concat(new byte[] { 0xC3, 0x89 }).Concat("quipe>\nh"u8.ToArray())
                .Concat(new byte[] { 0xC3, 0xA9 }).Concat("llo "u8.ToArray())
                .Concat(new byte[] { 0xE2, 0x9C, 0x93 }).Concat("\n<end>"u8.ToArray()),
            bytes);
    }

    [Fact]
    public void EncodeDisconnect_WritesTheExactSpecBytes()
    {
        Assert.Equal(Bytes("<192.168.1.20:5000> DISCONNECT"), LegacyCodec.EncodeDisconnect("192.168.1.20", 5000));
    }

    // ---- decoding: round trips ----

    [Fact]
    public void Decode_RoundTripsAChat()
    {
        var chat = DecodeChat(Encoding.UTF8.GetString(LegacyCodec.EncodeChat("192.168.1.20", 5000, "Team Rocket", "hello there")));

        Assert.Equal(new LegacyChat("192.168.1.20", 5000, "Team Rocket", "hello there"), chat);
        Assert.False(chat.IsConnectionRequest);
    }

    [Theory]
    [InlineData("line one\nline two\nline three")]
    [InlineData("ends with a newline\n")]
    [InlineData("\nstarts with a newline")]
    [InlineData("a line that is just the marker\n<end>\nthen more")]
    [InlineData("")]
    [InlineData("  spaces around  ")]
    [InlineData("unicode: 日本語 ✓ émoji 🎉")]
    public void Decode_RoundTripsTextExactly(string text)
    {
        var chat = DecodeChat(Encoding.UTF8.GetString(LegacyCodec.EncodeChat("10.0.0.7", 6000, "t", text)));

        Assert.Equal(text, chat.Text);
        Assert.Equal("t", chat.Team);
        Assert.Equal(6000, chat.SenderPort);
    }

    [Theory]
    [InlineData(1025)]
    [InlineData(3000)]
    public void Decode_RoundTripsTextLongerThanTheOriginal1024ByteRead(int length)
    {
        var text = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + i % 26)));
        var encoded = LegacyCodec.EncodeChat("10.0.0.7", 6000, "big", text);
        Assert.True(encoded.Length > 1024);

        var chat = Assert.IsType<LegacyChat>(LegacyCodec.Decode(encoded).Message);

        Assert.Equal(length, chat.Text.Length);
        Assert.Equal(text, chat.Text);
    }

    [Fact]
    public void Decode_RoundTripsADisconnect()
    {
        var result = LegacyCodec.Decode(LegacyCodec.EncodeDisconnect("192.168.1.20", 5000));

        Assert.True(result.Success, result.Error);
        Assert.Equal(new LegacyDisconnect("192.168.1.20", 5000), result.Message);
    }

    // ---- header port ----

    [Theory]
    [InlineData("<Unknown> @ <t>\nhi\n<end>", "Unknown")]
    [InlineData("<1.2.3.4:abc> @ <t>\nhi\n<end>", "1.2.3.4")]
    [InlineData("<1.2.3.4:> @ <t>\nhi\n<end>", "1.2.3.4")]
    [InlineData("<1.2.3.4:0> @ <t>\nhi\n<end>", "1.2.3.4")]
    [InlineData("<1.2.3.4:65536> @ <t>\nhi\n<end>", "1.2.3.4")]
    [InlineData("<1.2.3.4:-5> @ <t>\nhi\n<end>", "1.2.3.4")]
    [InlineData("<1.2.3.4: 5000> @ <t>\nhi\n<end>", "1.2.3.4")]
    public void Decode_HeaderWithoutParsablePort_GivesNullPort(string raw, string expectedIp)
    {
        var chat = DecodeChat(raw);

        Assert.Null(chat.SenderPort);
        Assert.Equal(expectedIp, chat.SenderIp);
        Assert.Equal("hi", chat.Text);
        Assert.Equal("t", chat.Team);
    }

    [Fact]
    public void Decode_UnknownIpWithPort_KeepsThePort()
    {
        var chat = DecodeChat("<Unknown:5001> @ <t>\nhi\n<end>");

        Assert.Equal("Unknown", chat.SenderIp);
        Assert.Equal(5001, chat.SenderPort);
    }

    [Fact]
    public void Decode_DisconnectWithoutParsablePort_GivesNullPort()
    {
        var result = LegacyCodec.Decode(Bytes("<Unknown> DISCONNECT"));

        Assert.Equal(new LegacyDisconnect("Unknown", null), result.Message);
    }

    // ---- DISCONNECT ----

    [Theory]
    [InlineData("<1.2.3.4:5000> @ <t>\nDISCONNECT\n<end>", "DISCONNECT")]
    [InlineData("<1.2.3.4:5000> @ <t>\nplease DISCONNECT me\n<end>", "please DISCONNECT me")]
    [InlineData("<1.2.3.4:5000> @ <t>\nx> DISCONNECT\n<end>", "x> DISCONNECT")]
    [InlineData("<1.2.3.4:5000> @ <t>\nx> DISCONNECT", "x> DISCONNECT")]
    [InlineData("<1.2.3.4:5000> @ <DISCONNECT>\nbye\n<end>", "bye")]
    public void Decode_ChatMentioningDisconnect_StaysAChat(string raw, string expectedText)
    {
        var chat = DecodeChat(raw);

        Assert.Equal(expectedText, chat.Text);
        Assert.Equal(5000, chat.SenderPort);
    }

    [Theory]
    [InlineData("<1.2.3.4:5000> DISCONNECT")]
    [InlineData("<1.2.3.4:5000> DISCONNECT\n")]
    [InlineData("<1.2.3.4:5000> DISCONNECT\r\n")]
    public void Decode_ExactDisconnect_IsADisconnect(string raw)
    {
        var result = LegacyCodec.Decode(Bytes(raw));

        Assert.Equal(new LegacyDisconnect("1.2.3.4", 5000), result.Message);
    }

    [Theory]
    [InlineData("<1.2.3.4:5000> DISCONNECT now")]
    [InlineData("<1.2.3.4:5000> DISCONNECTED")]
    [InlineData("<1.2.3.4:5000>DISCONNECT")]
    public void Decode_NearlyADisconnect_IsNotADisconnect(string raw)
    {
        var result = LegacyCodec.Decode(Bytes(raw));

        Assert.IsNotType<LegacyDisconnect>(result.Message);
    }

    // ---- CONNECTION_REQUEST ----

    [Fact]
    public void Decode_ConnectionRequest_IsFlagged()
    {
        var chat = DecodeChat("<1.2.3.4:5000> @ <t>\nCONNECTION_REQUEST\n<end>");

        Assert.True(chat.IsConnectionRequest);
        Assert.Equal(LegacyCodec.ConnectionRequestText, chat.Text);
    }

    [Theory]
    [InlineData("CONNECTION_REQUEST please")]
    [InlineData("connection_request")]
    [InlineData("hello")]
    public void Decode_OtherText_IsNotAConnectionRequest(string text)
    {
        var chat = DecodeChat($"<1.2.3.4:5000> @ <t>\n{text}\n<end>");

        Assert.False(chat.IsConnectionRequest);
    }

    // ---- refusals ----

    [Fact]
    public void Decode_InvalidUtf8_IsKeptWithReplacementCharacters_AndFlagged()
    {
        var raw = Bytes("<1.2.3.4:5000> @ <t>\nbad ").Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Bytes("\n<end>")).ToArray();

        var chat = Assert.IsType<LegacyChat>(LegacyCodec.Decode(raw).Message);

        Assert.True(chat.InvalidUtf8);
        Assert.Equal("bad \uFFFD(\uFFFD", chat.Text);
        Assert.Equal("t", chat.Team);
    }

    [Fact]
    public void Decode_ValidUtf8_IsNotFlagged()
    {
        var chat = Assert.IsType<LegacyChat>(LegacyCodec.Decode(LegacyCodec.EncodeChat("1.2.3.4", 5000, "t", "h\u00e9llo")).Message);

        Assert.False(chat.InvalidUtf8);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData(" <1.2.3.4:5000> @ <t>\nhi\n<end>")]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    public void Decode_GarbageWithoutLeadingAngleBracket_Fails(string raw)
    {
        DecodeError(Bytes(raw));
    }

    [Fact]
    public void Decode_Empty_Fails()
    {
        Assert.Contains("empty", DecodeError([]));
    }

    [Fact]
    public void Decode_HeaderWithoutNewline_Fails()
    {
        Assert.Contains("newline", DecodeError(Bytes("<1.2.3.4:5000> @ <t>")));
    }

    [Theory]
    [InlineData("<1.2.3.4:5000>\nhi\n<end>")]
    [InlineData("<1.2.3.4:5000> <t>\nhi\n<end>")]
    [InlineData("<1.2.3.4:5000> @ <t\nhi\n<end>")]
    [InlineData("<1.2.3.4:5000 @ t>\nhi\n<end>")]
    [InlineData("<\nhi\n<end>")]
    public void Decode_MalformedHeader_Fails(string raw)
    {
        Assert.Contains("header", DecodeError(Bytes(raw)));
    }

    // ---- tolerance ----

    [Theory]
    [InlineData("<1.2.3.4:5000> @ <t>\nhi\n<end>\n")]
    [InlineData("<1.2.3.4:5000> @ <t>\nhi\n<end>\r\n")]
    [InlineData("<1.2.3.4:5000> @ <t>\r\nhi\r\n<end>")]
    [InlineData("<1.2.3.4:5000> @ <t>\r\nhi\n<end>")]
    [InlineData("<1.2.3.4:5000> @ <t>\nhi")]
    [InlineData("<1.2.3.4:5000> @ <t>\nhi\n")]
    public void Decode_ToleratesCommonVariations(string raw)
    {
        var chat = DecodeChat(raw);

        Assert.Equal(new LegacyChat("1.2.3.4", 5000, "t", "hi"), chat);
    }

    [Fact]
    public void Decode_MultiLineTextWithoutEndMarker_KeepsAllLines()
    {
        var chat = DecodeChat("<1.2.3.4:5000> @ <t>\nfirst\nsecond");

        Assert.Equal("first\nsecond", chat.Text);
    }

    [Fact]
    public void Decode_TeamWithSpacesAndSymbols_IsKeptVerbatim()
    {
        var chat = DecodeChat("<1.2.3.4:5000> @ <The <Best> Team!>\nhi\n<end>");

        Assert.Equal("The <Best> Team!", chat.Team);
    }
}
