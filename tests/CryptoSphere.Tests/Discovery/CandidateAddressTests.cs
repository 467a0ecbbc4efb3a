using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Discovery;

/// <summary>
/// One peer ID can be claimed at several addresses at once: a node announces itself over IPv4 and IPv6, and
/// peer exchange may carry an old address. A claim that cannot be reached must not hide a good one.
/// </summary>
public sealed class CandidateAddressTests
{
    [Fact]
    public async Task An_unreachable_claimed_address_does_not_hold_back_a_good_address_for_the_same_id()
    {
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Any, 0)))
            port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        var events = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", events, o => o with { Discovery = new DiscoveryOptions
        {
            Enabled = true, Port = port, TimeToLive = 0, Interface = IPAddress.Loopback, GroupV6 = null,
            Interval = TimeSpan.FromHours(1),
        } });
        await using var bob = await TestNodes.StartAsync("bob");

        using var sender = new UdpClient();
        sender.Client.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 0);
        sender.Client.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Loopback.GetAddressBytes());
        var group = new IPEndPoint(IPAddress.Parse("239.255.77.77"), port);
        // As a node bound to IPv4 only announces on IPv6 too: the first claim leads nowhere (refused), the second is right.
        await sender.SendAsync(new Announcement(bob.Identity.Id, (ushort)TestNodes.DeadPort(), 1, "bob").Encode(), group);
        await sender.SendAsync(new Announcement(bob.Identity.Id, (ushort)bob.Port, 1, "bob").Encode(), group);

        // Well before the 10 s after which the same candidate may be dialled again, and the next announcement.
        var connected = await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Identity.Id, TimeSpan.FromSeconds(5));
        Assert.Equal(bob.Port, connected.Address.Port);
    }
}
