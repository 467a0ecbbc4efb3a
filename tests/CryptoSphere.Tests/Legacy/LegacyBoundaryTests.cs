using System.Text;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Properties;

namespace CryptoSphere.Tests.Legacy;

/// <summary>Edges that mutation testing showed unguarded: the port range ends, disconnect look-alikes, a name exactly at its limit.</summary>
public sealed class LegacyBoundaryTests
{
    [Theory]
    [InlineData("65535", 65535)]
    [InlineData("1", 1)]
    [InlineData("65536", null)]
    [InlineData("0", null)]
    public void The_port_in_a_header_is_read_only_within_1_to_65535(string port, int? expected)
    {
        var decoded = LegacyCodec.Decode(Encoding.UTF8.GetBytes($"<10.0.0.1:{port}> @ <t>\nhi\n<end>"));

        Assert.Equal(expected, Assert.IsType<LegacyChat>(decoded.Message).SenderPort);
    }

    [Theory]
    [InlineData("<:5000> @ <t>\nhi\n<end>")]
    [InlineData("<:5000> DISCONNECT")]
    public void A_header_with_an_empty_address_still_gives_its_port(string raw)
    {
        var message = LegacyCodec.Decode(Encoding.UTF8.GetBytes(raw)).Message;

        Assert.NotNull(message);
        Assert.Equal(("", 5000), (message.SenderIp, message.SenderPort));
    }

    [Theory]
    [InlineData("<10.0.0<1:5000> DISCONNECT")]
    [InlineData("<10.0.0>1:5000> DISCONNECT")]
    [InlineData("<10.0.0.1:5000\n> DISCONNECT")]
    public void A_disconnect_whose_address_holds_markup_or_a_newline_is_not_a_disconnect(string raw)
    {
        var decoded = LegacyCodec.Decode(Encoding.UTF8.GetBytes(raw));

        Assert.IsNotType<LegacyDisconnect>(decoded.Message);
    }

    [Fact]
    public void A_HELLO_name_of_exactly_the_limit_is_sent_whole()
    {
        var name = new string('n', HelloMessage.MaxNameBytes);
        var frame = NearValid.Encode(new HelloMessage(1, 2, 3, name).Encode);

        var decoded = HelloMessage.Decode(new(frame.AsMemory(FrameCodec.HeaderSize + 1)));

        Assert.Equal(name, decoded.Name);
    }
}
