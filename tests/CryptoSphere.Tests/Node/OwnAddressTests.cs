using System.Net;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// Which addresses are the node itself: a message sent there was queued and the node dialled itself on every
/// retry. Only what is certain counts, so a neighbour on the same host at another port or address is never refused.
/// </summary>
public class OwnAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", 41000, "127.0.0.1", true)]
    [InlineData("localhost", 41000, "127.0.0.1", true)]
    [InlineData("::ffff:127.0.0.1", 41000, "127.0.0.1", true)]
    [InlineData("127.0.0.1", 41001, "127.0.0.1", false)] // another node on this host
    [InlineData("127.0.0.2", 41000, "127.0.0.1", false)] // bound to 127.0.0.1 only: 127.0.0.2 is someone else's socket
    [InlineData("192.0.2.7", 41000, "127.0.0.1", false)]
    [InlineData("127.0.0.2", 41000, "0.0.0.0", true)] // bound to every address: all of loopback reaches it
    [InlineData("0.0.0.0", 41000, "0.0.0.0", true)]
    [InlineData("::1", 41000, "0.0.0.0", false)] // an IPv4 socket: IPv6 loopback is another socket's
    [InlineData("example.org", 41000, "0.0.0.0", false)] // names are not looked up
    public void Only_the_nodes_own_port_at_an_address_that_reaches_it_is_its_own(string host, int port, string bind, bool own) =>
        Assert.Equal(own, OwnAddress.Matches(new PeerKey(host, port), IPAddress.Parse(bind), 41000, "192.0.2.9"));

    [Fact]
    public void The_advertised_address_at_the_nodes_port_is_its_own()
    {
        Assert.True(OwnAddress.Matches(new PeerKey("192.0.2.9", 41000), IPAddress.Loopback, 41000, "192.0.2.9"));
        Assert.False(OwnAddress.Matches(new PeerKey("192.0.2.9", 41001), IPAddress.Loopback, 41000, "192.0.2.9"));
    }

    [Fact]
    public void Bound_to_every_address_this_hosts_LAN_address_is_its_own() =>
        Assert.True(OwnAddress.Matches(new PeerKey(LocalAddress.Detect(), 41000), IPAddress.Any, 41000, advertisedIp: null));
}
