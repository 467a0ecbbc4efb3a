using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #11: discovery acts on datagrams sent to the group only, and its limiter holds however the flood is spread.</summary>
public sealed class DiscoveryAbuseTests
{
    private static int FreeUdpPort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    private static Func<NodeOptions, NodeOptions> WithDiscovery(int port, int maxSources = 4096) => o => o with
    {
        Discovery = new DiscoveryOptions
        {
            Enabled = true, Port = port, TimeToLive = 0, Interface = IPAddress.Loopback, GroupV6 = null,
            Interval = TimeSpan.FromMinutes(10), MaxTrackedSources = maxSources, MaxPerSourcePerMinute = 2,
        },
    };

    private static UdpClient SenderFrom(IPAddress local)
    {
        var sender = new UdpClient(new IPEndPoint(local, 0));
        sender.Client.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 0);
        sender.Client.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Loopback.GetAddressBytes());
        return sender;
    }

    [Fact]
    public async Task An_announcement_sent_straight_to_the_node_is_ignored_and_the_same_one_to_the_group_is_acted_on()
    {
        var port = FreeUdpPort();
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("alice", events, WithDiscovery(port));
        var bobEvents = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        var announcement = new Announcement(bob.Identity.Id, (ushort)bob.Port, 1, "bob").Encode();
        using var sender = SenderFrom(IPAddress.Loopback);

        await sender.SendAsync(announcement, new IPEndPoint(IPAddress.Loopback, port));
        await Eventually.HoldsAsync(() => node.Discovery!.NotMulticast == 1, "the unicast datagram is seen and dropped");
        Assert.Equal(0, node.Discovery!.Accepted);
        Assert.Empty(bobEvents.All<SecurePeerConnected>());

        await sender.SendAsync(announcement, new IPEndPoint(IPAddress.Parse("239.255.77.77"), port));
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Identity.Id);
        Assert.Equal(1, node.Discovery.Accepted);
    }

    [Fact]
    public async Task A_flood_from_many_loopback_addresses_is_held_to_the_tracked_sources_plus_one_shared_allowance()
    {
        var port = FreeUdpPort();
        await using var node = await TestNodes.StartAsync("alice", null, WithDiscovery(port, maxSources: 20));
        var group = new IPEndPoint(IPAddress.Parse("239.255.77.77"), port);
        // Garbage is enough: the limiter runs before decoding, and nothing is dialled.
        var datagram = new byte[] { 1, 2, 3 };
        var sent = 0;
        var discovery = node.Discovery!;
        for (var i = 1; i <= 100; i++)
        {
            using var sender = SenderFrom(new IPAddress(new byte[] { 127, 0, 3, (byte)i }));
            for (var j = 0; j < 3; j++, sent++)
                await sender.SendAsync(datagram, group);
            // Paced, so the kernel's receive buffer never overflows on a busy machine (UDP would drop silently).
            if (i % 10 == 0)
                await Eventually.HoldsAsync(() => discovery.Flooded + discovery.Rejected >= sent, $"datagrams 1-{sent} are seen");
        }
        await Eventually.HoldsAsync(() => discovery.Flooded + discovery.Rejected >= sent, $"every datagram is seen ({discovery.Flooded} flooded, {discovery.Rejected} rejected, {discovery.NotMulticast} unicast of {sent})");
        // 20 tracked sources with 2 each, and 2 for all the others together (the node's own announcement may
        // take one of those places, hence the range).
        Assert.InRange(discovery.Rejected, 19 * 2 + 2, 20 * 2 + 2);
    }
}
