using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// Legacy headers are claims: the original's own bug (options 5 and 6 write the recipient's port) and
/// forged headers naming a secure peer must not confuse the peer table. Real nodes, raw sockets.
/// </summary>
public class LegacyOriginTests
{
    private static string Chat(int headerPort, string team, string text) =>
        $"<{TestNodes.Loopback}:{headerPort}> @ <{team}>\n{text}\n<end>";

    [Fact]
    public async Task TheOriginalsOption5_NamingOurPort_IsFiledUnderTheOldPeer_AndTheReplyReachesIt()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("alice", events);
        await using var oldPeer = RawLegacyPeer.Start();
        await RawLegacyPeer.SendAsync(node.Port, Chat(oldPeer.Port, "old", "old: Hello"));
        await events.WaitFor<MessageReceived>(m => m.Text == "old: Hello");

        // Option 5 of the original: the header carries the recipient's (our) port.
        await RawLegacyPeer.SendAsync(node.Port, Chat(node.Port, "old", "a direct message"));

        var received = await events.WaitFor<MessageReceived>(m => m.Text == "a direct message");
        Assert.Equal(oldPeer.Key, received.From);
        Assert.Null(node.Peers.Find(TestNodes.KeyOf(node)));
        Assert.Single(node.Peers.Snapshot());
        var reply = await node.SendAsync(received.From, "got it");
        Assert.True(reply.Success, reply.Error);
        Assert.Contains("got it", await oldPeer.ReceiveStringAsync());
    }

    [Fact]
    public async Task TheOriginalsOption6_DisconnectNamingOurPort_RemovesTheOldPeer()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("alice", events);
        await using var oldPeer = RawLegacyPeer.Start();
        await RawLegacyPeer.SendAsync(node.Port, Chat(oldPeer.Port, "old", "old: Hello"));
        await events.WaitFor<PeerAdded>(a => a.Peer.Key == oldPeer.Key);

        await RawLegacyPeer.SendAsync(node.Port, $"<{TestNodes.Loopback}:{node.Port}> DISCONNECT");

        var removed = await events.WaitFor<PeerRemoved>();
        Assert.Equal(oldPeer.Key, removed.Peer.Key);
        Assert.Equal(0, node.Peers.Count);
    }

    [Fact]
    public async Task AHeaderNamingThisNodeItself_IsShown_ButNeverBecomesAPeer()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("alice", events);

        await RawLegacyPeer.SendAsync(node.Port, Chat(node.Port, "mirror", "who am I"));

        var received = await events.WaitFor<MessageReceived>(m => m.Text == "who am I");
        Assert.Equal(TestNodes.KeyOf(node), received.From);
        Assert.Equal(0, node.Peers.Count);
        Assert.Empty(events.All<PeerAdded>());
    }

    [Fact]
    public async Task ALegacyMessageNamingASecurePeer_LeavesItSecure_AndItsDisconnectIsIgnored()
    {
        var aliceEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob");
        var first = await alice.SendAsync(TestNodes.KeyOf(bob), "hello bob");
        Assert.True(first.Success, first.Error);
        await first.Delivered!.WaitAsync(EventWaiter.DefaultTimeout);
        Assert.Equal(PeerProtocol.Secure, alice.Peers.Find(TestNodes.KeyOf(bob))?.Protocol);

        // Anyone on the LAN can write bob's address into a plaintext header.
        await RawLegacyPeer.SendAsync(alice.Port, Chat(bob.Port, "bob", "forged plaintext"));
        await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "forged plaintext");
        await RawLegacyPeer.SendAsync(alice.Port, $"<{TestNodes.Loopback}:{bob.Port}> DISCONNECT");
        await RawLegacyPeer.SendAsync(alice.Port, Chat(TestNodes.DeadPort(), "marker", "after the disconnect"));
        await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "after the disconnect");

        var peer = alice.Peers.Find(TestNodes.KeyOf(bob));
        Assert.NotNull(peer);
        Assert.Equal(PeerProtocol.Secure, peer.Protocol);
        Assert.Equal(bob.Identity.Id, peer.Id);
        Assert.Empty(aliceEvents.All<PeerRemoved>());
        var again = await alice.SendAsync(TestNodes.KeyOf(bob), "still secure");
        Assert.Equal(PeerProtocol.Secure, again.Protocol);
        await again.Delivered!.WaitAsync(EventWaiter.DefaultTimeout);
    }
}
