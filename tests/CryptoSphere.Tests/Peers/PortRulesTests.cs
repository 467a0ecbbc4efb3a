using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Peers;

public class PortRulesTests
{
    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("65535", 65535)]
    [InlineData("5000", 5000)]
    [InlineData(" 5000 ", 5000)]
    public void AcceptsUnprivilegedPorts(string text, int expected)
    {
        Assert.True(PortRules.TryParse(text, out var port, out var error));
        Assert.Equal(expected, port);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("80")]
    [InlineData("1023")]
    [InlineData("65536")]
    [InlineData("99999999999")]
    [InlineData("-5000")]
    [InlineData("+5000")]
    [InlineData("50 00")]
    [InlineData("5000.0")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void RefusesAnythingElse(string? text)
    {
        Assert.False(PortRules.TryParse(text, out var port, out var error));
        Assert.Equal(0, port);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void OutOfRangeError_NamesTheRange()
    {
        Assert.False(PortRules.TryParse("80", out _, out var error));

        Assert.Contains("1024", error);
        Assert.Contains("65535", error);
    }
}
