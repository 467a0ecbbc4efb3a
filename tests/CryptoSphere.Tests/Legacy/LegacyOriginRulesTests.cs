using System.Net;
using System.Net.NetworkInformation;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// <see cref="LegacyOrigin"/> on addresses a loopback node test cannot produce: other hosts, and the
/// IPv4-mapped form a dual-stack listener reports.
/// </summary>
public sealed class LegacyOriginRulesTests
{
    private const int OwnPort = 5000;

    [Fact]
    public void A_header_naming_our_port_is_never_filed_under_an_old_peer_at_another_host()
    {
        var peers = new PeerTable();
        peers.Touch(new PeerKey("10.0.0.5", 6000), "old", PeerProtocol.Legacy, DateTimeOffset.UtcNow, countsAsMessage: true);

        var origin = LegacyOrigin.Resolve(IPAddress.Parse("10.0.0.9"), OwnPort, 40000, OwnPort, _ => false, peers);

        Assert.Equal(new LegacyOrigin(new PeerKey("10.0.0.9", OwnPort), true), origin);
    }

    [Fact]
    public void A_header_naming_our_port_from_the_one_old_peers_host_is_filed_under_that_peer()
    {
        var peers = new PeerTable();
        peers.Touch(new PeerKey("10.0.0.5", 6000), "old", PeerProtocol.Legacy, DateTimeOffset.UtcNow, countsAsMessage: true);
        peers.Touch(new PeerKey("10.0.0.9", 7000), "other", PeerProtocol.Legacy, DateTimeOffset.UtcNow, countsAsMessage: true);

        var origin = LegacyOrigin.Resolve(IPAddress.Parse("::ffff:10.0.0.5"), OwnPort, 40000, OwnPort, _ => false, peers);

        Assert.Equal(new LegacyOrigin(new PeerKey("10.0.0.5", 6000), true), origin);
    }

    [Theory]
    // Every loopback address is this host, also one that no interface carries.
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("::1")]
    // How a dual-stack listener reports an IPv4 loopback peer.
    [InlineData("::ffff:127.0.0.2")]
    public void A_loopback_address_is_this_host(string address)
    {
        Assert.True(LegacyOrigin.IsThisHost(IPAddress.Parse(address)));
    }

    [Theory]
    // TEST-NET-2 (RFC 5737) and documentation IPv6 (RFC 3849): on no interface of any host.
    [InlineData("198.51.100.7")]
    [InlineData("::ffff:198.51.100.7")]
    [InlineData("2001:db8::7")]
    public void An_address_on_none_of_this_hosts_interfaces_is_not_this_host(string address)
    {
        Assert.False(LegacyOrigin.IsThisHost(IPAddress.Parse(address)));
    }

    [Fact]
    public void Each_address_of_this_hosts_interfaces_is_this_host_in_either_form()
    {
        // On a host with only loopback this checks only the loopbacks (the theory above covers them too).
        var own = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .ToList();

        Assert.NotEmpty(own);
        Assert.All(own, a => Assert.True(LegacyOrigin.IsThisHost(a), $"{a} is this host's"));
        Assert.All(own.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork),
            a => Assert.True(LegacyOrigin.IsThisHost(a.MapToIPv6()), $"{a.MapToIPv6()} is this host's"));
    }
}
