using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Discovery;

/// <summary>
/// Nodes find each other by multicast on the loopback interface with TTL 0, so no datagram leaves this
/// host; each test has a port of its own so parallel tests do not hear each other.
/// </summary>
public sealed class DiscoveryTests
{
    private static int FreeUdpPort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    private static Func<NodeOptions, NodeOptions> WithDiscovery(int port) => o => o with
    {
        Discovery = new DiscoveryOptions
        {
            Enabled = true, Port = port, TimeToLive = 0, Interface = IPAddress.Loopback, GroupV6 = null,
            Interval = TimeSpan.FromMilliseconds(300),
        },
    };

    [Fact]
    public async Task Two_nodes_find_each_other_and_prove_the_announced_id()
    {
        var port = FreeUdpPort();
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, WithDiscovery(port));
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, WithDiscovery(port));

        var atAlice = await aliceEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Identity.Id);
        await bobEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == alice.Identity.Id);
        Assert.Equal(bob.Port, atAlice.Address.Port);
        var sources = new[] { alice.Peers.Find(bob.Identity.Id)?.Source, bob.Peers.Find(alice.Identity.Id)?.Source };
        // Whoever heard the other first dialled it; the other side saw an incoming connection.
        Assert.Contains(PeerSource.Announced, sources);
    }

    [Fact]
    public async Task Garbage_oversized_and_self_announcements_are_ignored_and_the_node_keeps_working()
    {
        var port = FreeUdpPort();
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("alice", events, WithDiscovery(port));
        using var sender = new UdpClient();
        sender.Client.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 0);
        sender.Client.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Loopback.GetAddressBytes());
        var group = new IPEndPoint(IPAddress.Parse("239.255.77.77"), port);
        await sender.SendAsync(new byte[] { 1, 2, 3 }, group);
        await sender.SendAsync(new byte[2000], group);
        await sender.SendAsync(new Announcement(node.Identity.Id, (ushort)node.Port, 1, "me").Encode(), group);

        // A real peer announced after the garbage is still found.
        await using var bob = await TestNodes.StartAsync("bob", null, WithDiscovery(port));
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Identity.Id);
        Assert.DoesNotContain(events.All<SecurePeerConnected>(), c => c.PeerId == node.Identity.Id);
    }

    [Fact]
    public void Announcement_round_trips_and_malformed_datagrams_are_refused_with_a_reason()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var announcement = new Announcement(identity.Id, 5000, 1, "Zoë");
        Assert.Equal(announcement, Announcement.TryDecode(announcement.Encode(), out _));

        var bytes = announcement.Encode();
        Assert.Null(Announcement.TryDecode(bytes[..10], out var tooShort));
        Assert.Contains("too short", tooShort);
        Assert.Null(Announcement.TryDecode(new byte[600], out var oversized));
        Assert.Contains("over the", oversized);
        var wrongMagic = (byte[])bytes.Clone();
        wrongMagic[0] = (byte)'X';
        Assert.Null(Announcement.TryDecode(wrongMagic, out var notOurs));
        Assert.Contains("not a CryptoSphere", notOurs);
        var zeroPort = (byte[])bytes.Clone();
        zeroPort[5 + 52] = 0;
        zeroPort[5 + 53] = 0;
        Assert.Null(Announcement.TryDecode(zeroPort, out var badPort));
        Assert.Contains("bad port", badPort);
    }

    [Fact]
    public async Task Peer_exchange_lets_a_node_reach_a_peer_it_was_never_told_about()
    {
        var aEvents = new EventWaiter();
        var cEvents = new EventWaiter();
        await using var a = await TestNodes.StartAsync("a", aEvents);
        await using var b = await TestNodes.StartAsync("b");
        await using var c = await TestNodes.StartAsync("c", cEvents);

        // B knows C; then A connects to B only.
        Assert.NotEqual(MessageStateFailed, (await b.SendAsync(TestNodes.KeyOf(c), "hi c")).State);
        Assert.NotEqual(MessageStateFailed, (await a.SendAsync(TestNodes.KeyOf(b), "hi b")).State);

        var learned = await aEvents.WaitFor<SecurePeerConnected>(e => e.PeerId == c.Identity.Id);
        Assert.Equal(TestNodes.KeyOf(c), learned.Address);
        // B told each of them about the other; whichever dialled first, the connection came from the exchange.
        Assert.Contains(PeerSource.Exchanged, new[] { a.Peers.Find(c.Identity.Id)?.Source, c.Peers.Find(a.Identity.Id)?.Source });

        var sent = await a.SendAsync(c.Identity.Id, "found you by ID");
        Assert.True(sent.Success, sent.Error);
        await cEvents.WaitFor<MessageReceived>(m => m.Text == "found you by ID" && m.PeerId == a.Identity.Id);
    }

    private const CryptoSphere.Core.Storage.MessageState MessageStateFailed = CryptoSphere.Core.Storage.MessageState.Failed;
}
