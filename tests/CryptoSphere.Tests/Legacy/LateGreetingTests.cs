using System.Net;
using System.Net.Sockets;
using System.Text;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Files;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// A busy CryptoSphere node may greet after the dialer's wait: the dialer then took it for an old peer and wrote its
/// message in plaintext. It must notice the greeting that comes anyway, say what really happened, and use TLS from then on.
/// </summary>
public sealed class LateGreetingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_greeting_after_the_wait_is_noticed_the_send_says_so_and_the_next_send_is_TLS()
    {
        await using var alice = await TestNodes.StartAsync("alice", configure: o => o with { GreetingWait = TimeSpan.FromMilliseconds(300) });
        using var listener = new LateGreeter();

        var connection = listener.NextConnectionAsync();
        var first = await alice.SendAsync(listener.Key, "hello there");

        Assert.True(first.Success, first.Error);
        Assert.Contains("is a CryptoSphere node after all", first.Caveat);
        Assert.Contains("went in plaintext", first.Caveat);
        // What it wrote was the legacy message, before the greeting came.
        var written = Encoding.UTF8.GetString(await connection);
        Assert.StartsWith("<", written);
        Assert.Contains("hello there", written);

        var next = listener.NextConnectionAsync();
        var second = await alice.SendAsync(listener.Key, "second");

        // Straight to TLS, no greeting wait and no plaintext: the double does not finish the handshake, so it waits.
        var probe = await next;
        Assert.Equal(0x16, probe[0]);
        Assert.Equal(MessageState.Queued, second.State);
        Assert.Null(second.Caveat);
    }

    [Fact]
    public async Task A_node_takes_a_legacy_message_that_follows_its_greeting_as_an_old_peers()
    {
        var events = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", events);
        // An old peer slowed past the greeting (a loaded machine) looks like this too: its replies must still reach it.
        await using var oldPeer = RawLegacyPeer.Start();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, bob.Port);

        // Silent, as a dialer that waits for the greeting; it writes its legacy message only after it came.
        var greeting = new byte[ServerGreeting.Bytes.Length];
        using (var limit = new CancellationTokenSource(Wait))
            await socket.ReceiveAsync(greeting, SocketFlags.None, limit.Token);
        Assert.Equal(ServerGreeting.Bytes, greeting);
        await socket.SendAsync(LegacyCodec.EncodeChat(TestNodes.Loopback, oldPeer.Port, "late", "after the greeting"), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);

        var shown = await events.WaitFor<MessageReceived>(timeout: Wait);
        Assert.Equal(("after the greeting", PeerProtocol.Legacy), (shown.Text, shown.Protocol));
        Assert.Equal(oldPeer.Key, shown.From);

        var reply = await bob.SendAsync(shown.From, "a reply in the old format");

        Assert.True(reply.Success, reply.Error);
        Assert.Equal(PeerProtocol.Legacy, reply.Protocol);
        Assert.Contains("a reply in the old format", await oldPeer.ReceiveStringAsync(Wait));
    }
    // A real node greets 200 ms after a silent connection reaches it; a relay holds what it sends for 1.5 s, so to a
    // dialer that waits 1 s the greeting comes late, as a busy node's does.
    private static NodeOptions Patient(NodeOptions o) => o with { GreetingWait = TimeSpan.FromSeconds(1) };

    private static TcpRelay SlowPathTo(ChatNode node)
    {
        var relay = TcpRelay.Start(node.Port);
        relay.DelayFromTarget(TimeSpan.FromSeconds(1.5));
        return relay;
    }

    [Fact]
    public async Task A_file_offered_to_a_node_that_greets_after_the_wait_goes_over_TLS_and_is_not_refused_as_for_an_old_peer()
    {
        using var dir = new TempDirectory();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", configure: Patient);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { DownloadsDirectory = dir.Combine("downloads") });
        await using var slowPath = SlowPathTo(bob);

        var offer = await alice.OfferFileAsync(new PeerKey(TestNodes.Loopback, slowPath.Port), TestFiles.Random(dir, "late.bin", 1000));

        Assert.True(offer.Success, offer.Error);
        var offered = await bobEvents.For<TransferOffered>(offer.Transfer!.Id);
        Assert.Equal(alice.Identity.Id, offered.Transfer.PeerId);
        Assert.Equal([bob.Identity.Id], alice.ConnectedPeerIds);
    }

    [Fact]
    public async Task A_plaintext_message_that_follows_the_greeting_is_shown_but_its_sender_is_not_filed_as_an_old_peer_and_gets_its_reply_over_TLS()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, Patient);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await using var slowPath = SlowPathTo(bob);

        var first = await alice.SendAsync(new PeerKey(TestNodes.Loopback, slowPath.Port), "in plaintext, alas");

        Assert.Contains("is a CryptoSphere node after all", first.Caveat);
        var shown = await bobEvents.WaitFor<MessageReceived>(m => m.Text == "in plaintext, alas", Wait);
        Assert.Equal((PeerProtocol.Legacy, TestNodes.KeyOf(alice)), (shown.Protocol, shown.From));
        // Filing the peer comes before showing its message (same task), so it would be there by now.
        Assert.Null(bob.Peers.Find(shown.From));
        Assert.DoesNotContain(bobEvents.All<PeerAdded>(), a => a.Peer.Protocol == PeerProtocol.Legacy);

        var reply = await bob.SendAsync(shown.From, "over TLS, please");

        Assert.True(reply.Success, reply.Error);
        Assert.Equal(PeerProtocol.Secure, reply.Protocol);
        var got = await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "over TLS, please", Wait);
        Assert.Equal((PeerProtocol.Secure, bob.Identity.Id), (got.Protocol, got.PeerId));
    }

    [Fact]
    public async Task A_restarted_node_dials_an_address_that_greeted_late_over_TLS_at_once()
    {
        using var aliceDir = new TempDirectory();
        var bobEvents = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await using var slowPath = SlowPathTo(bob);
        var address = new PeerKey(TestNodes.Loopback, slowPath.Port);
        await using (var alice = await StoredNode.StartAsync("alice", aliceDir.Path, configure: Patient))
        {
            var first = await alice.Node.SendAsync(address, "before the restart");
            Assert.Contains("is a CryptoSphere node after all", first.Caveat);
        }

        await using var again = await StoredNode.StartAsync("alice", aliceDir.Path, configure: Patient);
        var second = await again.Node.SendAsync(address, "after the restart");

        Assert.True(second.Success, second.Error);
        Assert.Null(second.Caveat);
        Assert.Equal(PeerProtocol.Secure, second.Protocol);
        await second.Delivered!.WaitAsync(Wait);
        var shown = await bobEvents.WaitFor<MessageReceived>(m => m.Text == "after the restart", Wait);
        Assert.Equal((PeerProtocol.Secure, again.Identity.Id), (shown.Protocol, shown.PeerId));
    }
}
