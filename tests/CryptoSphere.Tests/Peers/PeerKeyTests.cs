using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Peers;

public class PeerKeyTests
{
    [Theory]
    [InlineData("127.0.0.1:5000", "127.0.0.1", 5000)]
    [InlineData(" 192.168.1.20:65535 ", "192.168.1.20", 65535)]
    [InlineData("example.org:1024", "example.org", 1024)]
    [InlineData("[::1]:5000", "::1", 5000)]
    [InlineData("[fe80::1]:6000", "fe80::1", 6000)]
    public void TryParse_AcceptsHostAndPort(string text, string host, int port)
    {
        Assert.True(PeerKey.TryParse(text, out var key, out var error), error);
        Assert.Equal(new PeerKey(host, port), key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("127.0.0.1")]
    [InlineData(":5000")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:abc")]
    [InlineData("127.0.0.1:80")]
    [InlineData("127.0.0.1:65536")]
    public void TryParse_RefusesMalformedOrPrivilegedInput(string? text)
    {
        Assert.False(PeerKey.TryParse(text, out var key, out var error));
        Assert.Equal(default, key);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("127.0.0.1", 5000, "127.0.0.1:5000")]
    [InlineData("::1", 5000, "[::1]:5000")]
    public void ToString_BracketsIpv6_AndParsesBack(string host, int port, string expected)
    {
        var key = new PeerKey(host, port);

        Assert.Equal(expected, key.ToString());
        Assert.True(PeerKey.TryParse(key.ToString(), out var parsed, out _));
        Assert.Equal(key, parsed);
    }

    [Fact]
    public void Equality_IsByHostAndPort()
    {
        Assert.Equal(new PeerKey("10.0.0.1", 5000), new PeerKey("10.0.0.1", 5000));
        Assert.NotEqual(new PeerKey("10.0.0.1", 5000), new PeerKey("10.0.0.1", 5001));
        Assert.NotEqual(new PeerKey("10.0.0.1", 5000), new PeerKey("10.0.0.2", 5000));
    }

    [Fact]
    public void Default_TheKeyOfAMessageWithNoAddress_PrintsAsNoAddress_AndNeverParsesAsOne()
    {
        var none = default(PeerKey);

        Assert.Equal("no address", none.ToString());
        Assert.False(PeerKey.TryParse(none.ToString(), out _, out _));
    }

    [Theory]
    [InlineData("127.0.0.1", 5000, "127.0.0.1:5000")]
    [InlineData("fe80::1", 65535, "[fe80::1]:65535")]
    [InlineData(null, 0, "no address")]
    public void TryFormat_WritesWhatToStringGives_AndRefusesASpanTooShort(string? host, int port, string expected)
    {
        var key = new PeerKey(host!, port);
        Span<char> room = stackalloc char[64];

        Assert.True(key.TryFormat(room, out var written));
        Assert.Equal(expected, new string(room[..written]));
        Assert.Equal(expected, key.ToString());
        Assert.False(key.TryFormat(room[..(expected.Length - 1)], out _));
    }

    [Fact]
    public void ToString_OfAHostNameLongerThanTheStackBuffer_IsWhole()
    {
        var host = new string('h', 200) + ".example";

        Assert.Equal(host + ":80", new PeerKey(host, 80).ToString());
    }
}
