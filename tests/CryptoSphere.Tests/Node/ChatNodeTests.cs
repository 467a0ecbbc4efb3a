using System.Net;
using System.Net.Sockets;
using System.Text;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>Integration tests of <see cref="ChatNode"/> on real loopback sockets.</summary>
public class ChatNodeTests
{
    private const string Ip = TestNodes.Loopback;

    /// <summary>A legacy chat as the original script writes it; the header IP is deliberately not ours.</summary>
    private static string Chat(int headerPort, string team, string text, string headerIp = "10.9.8.7") =>
        $"<{headerIp}:{headerPort}> @ <{team}>\n{text}\n<end>";

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Makes the node know 127.0.0.1:<paramref name="listenPort"/> the way an old peer does: by messaging it.</summary>
    private static async Task<PeerKey> RegisterAsync(ChatNode node, EventWaiter events, int listenPort, string team = "old-timers")
    {
        var key = new PeerKey(Ip, listenPort);
        await RawLegacyPeer.SendAsync(node.Port, Chat(listenPort, team, $"{team}: Hello"));
        await events.WaitFor<PeerAdded>(a => a.Peer.Key == key);
        return key;
    }

    // ---- start-up ----

    [Fact]
    public async Task Start_RaisesNodeStarted_WithTheActualPort()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("alice", events);

        var started = await events.WaitFor<NodeStarted>();

        Assert.NotEqual(0, node.Port);
        Assert.Equal(node.Port, started.Port);
        Assert.Null(started.RequestedPort);
        Assert.Equal(Ip, started.AdvertisedIp);
        Assert.Equal(Ip, node.AdvertisedIp);
    }

    [Fact]
    public async Task A_node_bound_to_one_address_advertises_that_address_unless_told_otherwise()
    {
        // Found from outside: `listen --bind 127.0.0.1` said "Listening on 192.0.2.2:PORT", where nothing listened.
        var events = new EventWaiter();
        await using var bound = await TestNodes.StartAsync("alice", events, o => o with { AdvertiseIp = null });
        await using var told = await TestNodes.StartAsync("bob", configure: o => o with { AdvertiseIp = "10.1.2.3" });

        Assert.Equal(Ip, (await events.WaitFor<NodeStarted>()).AdvertisedIp);
        Assert.Equal(Ip, bound.AdvertisedIp);
        Assert.Equal("10.1.2.3", told.AdvertisedIp);
        Assert.Equal(LocalAddress.Detect(), LocalAddress.For(IPAddress.Any));
        Assert.Equal(LocalAddress.Detect(), LocalAddress.For(IPAddress.IPv6Any));
    }

    [Fact]
    public async Task Start_OnAFreePort_UsesExactlyThatPort()
    {
        var free = TestNodes.DeadPort();
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("alice", events, o => o with { Port = free });

        var started = await events.WaitFor<NodeStarted>();

        Assert.Equal(free, node.Port);
        Assert.Equal(free, started.Port);
        Assert.Null(started.RequestedPort);
    }

    [Fact]
    public async Task Start_OnATakenPort_MovesToAnotherPort_AndSaysSo()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var taken = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var events = new EventWaiter();

        await using var node = await TestNodes.StartAsync("alice", events, o => o with { Port = taken });

        var started = await events.WaitFor<NodeStarted>();
        Assert.NotEqual(taken, started.Port);
        Assert.Equal(node.Port, started.Port);
        Assert.Equal(taken, started.RequestedPort);
        // It really listens there.
        await RawLegacyPeer.SendAsync(node.Port, Chat(TestNodes.DeadPort(), "t", "are you there?"));
        await events.WaitFor<MessageReceived>(m => m.Text == "are you there?");
    }

    [Fact]
    public async Task Start_OnATakenPort_WithStrictPort_Throws()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var taken = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var options = TestNodes.Options("alice") with { Port = taken, StrictPort = true };
        var events = new EventWaiter();
        await using var node = new ChatNode(options);
        events.Attach(node);

        var error = await Assert.ThrowsAsync<PortUnavailableException>(() => node.StartAsync());

        Assert.Contains(taken.ToString(), error.Message);
        Assert.Empty(events.All<NodeStarted>());
    }

    // ---- two nodes ----

    [Fact]
    public async Task TwoNodes_ExchangeMessagesBothWays()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);

        var sent = await alice.SendAsync(TestNodes.KeyOf(bob), "hello bob");
        Assert.True(sent.Success, sent.Error);
        var atBob = await bobEvents.WaitFor<MessageReceived>(m => m.Text == "hello bob");
        Assert.Equal(TestNodes.KeyOf(alice), atBob.From);
        Assert.Equal("alice", atBob.Name);
        // Two CryptoSphere nodes never talk in plaintext.
        Assert.Equal(PeerProtocol.Secure, atBob.Protocol);
        Assert.Equal(alice.Identity.Id, atBob.PeerId);
        Assert.Equal("alice", bob.Peers.Find(TestNodes.KeyOf(alice))?.Name);

        var replied = await bob.SendAsync(atBob.From, "hello alice");
        Assert.True(replied.Success, replied.Error);
        var atAlice = await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "hello alice");
        Assert.Equal(TestNodes.KeyOf(bob), atAlice.From);
        Assert.Equal("bob", atAlice.Name);
        Assert.Equal(1, alice.Peers.Find(TestNodes.KeyOf(bob))?.MessageCount);
    }

    [Fact]
    public async Task TwoNodes_A3000ByteMessage_ArrivesIntact()
    {
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice");
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        var text = "start|" + string.Concat(Enumerable.Range(0, 3000).Select(i => (char)('a' + i % 26))) + "|end";

        var sent = await alice.SendAsync(TestNodes.KeyOf(bob), text);

        Assert.True(sent.Success, sent.Error);
        var received = await bobEvents.WaitFor<MessageReceived>();
        Assert.Equal(text.Length, received.Text.Length);
        Assert.Equal(text, received.Text);
    }

    [Fact]
    public async Task RequestConnections_SendsConnectionRequestToKnownLegacyPeers()
    {
        var aliceEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var oldPeer = RawLegacyPeer.Start();
        await RawLegacyPeer.SendAsync(alice.Port, $"<127.0.0.1:{oldPeer.Port}> @ <old>\nhi\n<end>");
        await aliceEvents.WaitFor<PeerAdded>(a => a.Peer.Key == oldPeer.Key);

        var results = await alice.RequestConnectionsAsync();

        Assert.True(Assert.Single(results).Success);
        Assert.Equal($"<127.0.0.1:{alice.Port}> @ <alice>\nCONNECTION_REQUEST\n<end>", await oldPeer.ReceiveStringAsync());
    }

    // ---- the exact legacy bytes, both ways ----

    [Fact]
    public async Task Send_ToARawOldPeer_WritesTheExactSpecBytes()
    {
        await using var oldPeer = RawLegacyPeer.Start();
        await using var node = await TestNodes.StartAsync("Team Rocket");

        var result = await node.SendAsync(oldPeer.Key, "hello\nold friend");

        Assert.True(result.Success, result.Error);
        Assert.Equal(oldPeer.Key, result.To);
        Assert.Equal(Bytes($"<127.0.0.1:{node.Port}> @ <Team Rocket>\nhello\nold friend\n<end>"), await oldPeer.ReceiveAsync());
    }

    [Fact]
    public async Task RawBytes_GiveMessageReceived_WithTheConnectionIpAndTheHeaderPort()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var headerPort = TestNodes.DeadPort();

        await RawLegacyPeer.SendAsync(node.Port, Chat(headerPort, "Old Team", "hi from the past", headerIp: "192.168.77.3"));

        var expected = new PeerKey(Ip, headerPort);
        var message = await events.WaitFor<MessageReceived>();
        Assert.Equal(expected, message.From);
        Assert.Equal("Old Team", message.Name);
        Assert.Equal("hi from the past", message.Text);
        var added = await events.WaitFor<PeerAdded>();
        Assert.Equal(expected, added.Peer.Key);
        var peer = node.Peers.Find(expected);
        Assert.NotNull(peer);
        Assert.Equal(1, peer.MessageCount);
        Assert.Equal("Old Team", peer.Name);
    }

    [Fact]
    public async Task RawBytes_FromTheSamePeerTwice_UpdateOnePeer()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var headerPort = TestNodes.DeadPort();

        await RawLegacyPeer.SendAsync(node.Port, Chat(headerPort, "first name", "one"));
        await events.WaitFor<MessageReceived>(m => m.Text == "one");
        await RawLegacyPeer.SendAsync(node.Port, Chat(headerPort, "second name", "two"));
        await events.WaitFor<MessageReceived>(m => m.Text == "two");

        var peer = Assert.Single(node.Peers.Snapshot());
        Assert.Equal(2, peer.MessageCount);
        Assert.Equal("second name", peer.Name);
        Assert.Single(events.All<PeerAdded>());
        Assert.Equal("second name", Assert.Single(events.All<PeerUpdated>()).Peer.Name);
    }

    [Theory]
    [InlineData("<Unknown> @ <nameless>\nno port here\n<end>")]
    [InlineData("<1.2.3.4:abc> @ <nameless>\nno port here\n<end>")]
    public async Task RawBytes_WithoutParsableHeaderPort_FallBackToTheSourcePort(string raw)
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);

        var sourcePort = await RawLegacyPeer.SendAsync(node.Port, raw);

        var message = await events.WaitFor<MessageReceived>();
        Assert.Equal(new PeerKey(Ip, sourcePort), message.From);
        Assert.Equal("no port here", message.Text);
        Assert.NotNull(node.Peers.Find(new PeerKey(Ip, sourcePort)));
    }

    [Fact]
    public async Task RawBytes_A3000ByteMessage_ArrivesIntact()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var text = string.Join('\n', Enumerable.Range(0, 400).Select(i => $"line {i:D4}"));
        Assert.True(Bytes(text).Length >= 3000);

        await RawLegacyPeer.SendAsync(node.Port, Chat(TestNodes.DeadPort(), "big", text));

        var message = await events.WaitFor<MessageReceived>();
        Assert.Equal(text, message.Text);
    }

    // ---- refused input ----

    [Fact]
    public async Task OversizedMessage_IsRejected_AndTheNodeAcceptsTheNextOne()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events, o => o with { MaxLegacyMessageBytes = 256 });
        var headerPort = TestNodes.DeadPort();

        var sourcePort = await RawLegacyPeer.SendAsync(node.Port, Chat(headerPort, "big", new string('x', 2000)));

        var rejected = await events.WaitFor<InputRejected>();
        Assert.Equal($"{Ip}:{sourcePort}", rejected.Remote);
        Assert.Contains("256", rejected.Reason);
        Assert.Equal(0, node.Peers.Count);

        await RawLegacyPeer.SendAsync(node.Port, Chat(headerPort, "small", "this one fits"));
        var message = await events.WaitFor<MessageReceived>();
        Assert.Equal("this one fits", message.Text);
        Assert.Single(events.All<MessageReceived>());
        Assert.Single(events.All<InputRejected>());
    }

    public static TheoryData<string, byte[]> BadInput => new()
    {
        { "garbage", Bytes("hello, is this thing on?\n") },
        { "http", Bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n") },
        { "invalid utf-8 header", new byte[] { 0xFF, 0xFE }.Concat(Bytes("<10.9.8.7:5000> @ <t>\nbad\n<end>")).ToArray() },
        { "header without newline", Bytes("<10.9.8.7:5000> @ <t>") },
        { "malformed header", Bytes("<10.9.8.7:5000> hello\nthere\n<end>") },
        { "tls", new byte[] { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5 } },
        { "empty", [] },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task BadInput_IsRejected_AndLeavesThePeerTableUnchanged(string kind, byte[] raw)
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await RegisterAsync(node, events, TestNodes.DeadPort());
        // The registering message is shown once committed, which can come after the peer is added: counted before.
        await events.WaitFor<MessageReceived>();
        var before = node.Peers.Snapshot();
        var eventsBefore = events.Events.Count;

        var sourcePort = await RawLegacyPeer.SendAsync(node.Port, raw);

        var rejected = await events.WaitFor<InputRejected>();
        Assert.Equal($"{Ip}:{sourcePort}", rejected.Remote);
        Assert.False(string.IsNullOrWhiteSpace(rejected.Reason), kind);
        Assert.Equal(before, node.Peers.Snapshot());
        Assert.Equal([rejected], events.Events.Skip(eventsBefore));
    }

    [Fact]
    public async Task SenderThatStallsMidMessage_IsRejected_NotDeliveredTruncated()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events, o => o with { ReadTimeout = TimeSpan.FromMilliseconds(300) });
        using var staller = new TcpClient { NoDelay = true };
        await staller.ConnectAsync(IPAddress.Loopback, node.Port);

        await staller.GetStream().WriteAsync(Bytes($"<10.9.8.7:{TestNodes.DeadPort()}> @ <slow>\nthis message will never be fin"));

        // The socket stays open; only the read timeout ends it. Half a message must not be shown as a message.
        var outcome = await events.WaitFor<NodeEvent>(e => e is InputRejected or MessageReceived);
        Assert.IsType<InputRejected>(outcome);
        Assert.Equal(0, node.Peers.Count);
    }

    [Fact]
    public async Task SenderThatSendsAWholeMessageButDoesNotClose_IsStillDelivered()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        using var keeper = new TcpClient { NoDelay = true };
        await keeper.ConnectAsync(IPAddress.Loopback, node.Port);

        await keeper.GetStream().WriteAsync(Bytes(Chat(TestNodes.DeadPort(), "open", "complete, but I keep the line open")));

        // ReadTimeout is the default 10 s: delivery within the wait means the <end> marker ended the read.
        var message = await events.WaitFor<MessageReceived>(timeout: TimeSpan.FromSeconds(8));
        Assert.Equal("complete, but I keep the line open", message.Text);
    }

    [Fact]
    public async Task SilentClient_DoesNotDelayAnotherSender()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events, o => o with { ReadTimeout = TimeSpan.FromSeconds(30) });
        using var silent = new TcpClient();
        await silent.ConnectAsync(IPAddress.Loopback, node.Port);

        await RawLegacyPeer.SendAsync(node.Port, Chat(TestNodes.DeadPort(), "chatty", "I am not blocked"));

        var message = await events.WaitFor<MessageReceived>();
        Assert.Equal("I am not blocked", message.Text);
        // The silent connection is still open: nothing was refused. Readable is not closed: when the message took
        // longer than the node's wait for a first byte (a loaded machine), the node has sent its secure greeting
        // to the silent client; only readable with nothing to read means the node closed it.
        Assert.Empty(events.All<InputRejected>());
        Assert.False(silent.Client.Poll(0, SelectMode.SelectRead) && silent.Client.Available == 0, "the node closed the silent connection");
    }

    // ---- peer table upkeep ----

    [Fact]
    public async Task SilentPeer_IsRemovedAsInactive()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events, o => o with
        {
            InactivityTimeout = TimeSpan.FromMilliseconds(300),
            InactivityCheckInterval = TimeSpan.FromMilliseconds(50),
        });

        var key = await RegisterAsync(node, events, TestNodes.DeadPort());

        var removed = await events.WaitFor<PeerRemoved>(r => r.Peer.Key == key);
        Assert.Equal(PeerRemovalReason.Inactive, removed.Reason);
        Assert.Null(node.Peers.Find(key));
        var added = await events.WaitFor<PeerAdded>(a => a.Peer.Key == key);
        Assert.True(removed.Time - added.Time >= TimeSpan.FromMilliseconds(300),
            $"removed after only {(removed.Time - added.Time).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task ExactDisconnect_RemovesThePeer()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var key = await RegisterAsync(node, events, TestNodes.DeadPort());

        await RawLegacyPeer.SendAsync(node.Port, $"<10.9.8.7:{key.Port}> DISCONNECT");

        var removed = await events.WaitFor<PeerRemoved>();
        Assert.Equal(key, removed.Peer.Key);
        Assert.Equal(PeerRemovalReason.Disconnected, removed.Reason);
        Assert.Equal(0, node.Peers.Count);
        // The hello is shown once committed, which can come after the peer was added (all RegisterAsync waits for).
        await events.WaitFor<MessageReceived>();
        Assert.Single(events.All<MessageReceived>()); // only the hello, the DISCONNECT is not a message
    }

    [Fact]
    public async Task ChatContainingDisconnect_IsAMessage_AndKeepsThePeer()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var key = await RegisterAsync(node, events, TestNodes.DeadPort());

        await RawLegacyPeer.SendAsync(node.Port, Chat(key.Port, "old-timers", "please DISCONNECT me"));

        var message = await events.WaitFor<MessageReceived>(m => m.Text == "please DISCONNECT me");
        Assert.Equal(key, message.From);
        Assert.Equal(2, node.Peers.Find(key)?.MessageCount);
        Assert.Empty(events.All<PeerRemoved>());
    }

    [Fact]
    public async Task ConnectionRequest_RaisesConnectionRequestReceived_NotMessageReceived()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var headerPort = TestNodes.DeadPort();

        await RawLegacyPeer.SendAsync(node.Port, Chat(headerPort, "knocker", "CONNECTION_REQUEST"));

        var request = await events.WaitFor<ConnectionRequestReceived>();
        Assert.Equal(new PeerKey(Ip, headerPort), request.From);
        Assert.Equal("knocker", request.Name);
        Assert.NotNull(node.Peers.Find(request.From));
        // A later ordinary message is the only MessageReceived.
        await RawLegacyPeer.SendAsync(node.Port, Chat(headerPort, "knocker", "now a real message"));
        await events.WaitFor<MessageReceived>();
        Assert.Equal(["now a real message"], events.All<MessageReceived>().Select(m => m.Text));
    }

    // ---- sending ----

    [Fact]
    public async Task FailedSend_ToAKnownPeer_FailsRaisesSendFailedAndRemovesIt()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var key = await RegisterAsync(node, events, TestNodes.DeadPort());

        var result = await node.SendAsync(key, "anyone home?");

        Assert.False(result.Success);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        var failed = await events.WaitFor<SendFailed>();
        Assert.Equal(key, failed.To);
        var removed = await events.WaitFor<PeerRemoved>();
        Assert.Equal(key, removed.Peer.Key);
        Assert.Equal(PeerRemovalReason.Unreachable, removed.Reason);
        Assert.Null(node.Peers.Find(key));
    }

    [Fact]
    public async Task FailedSend_ToAnUnknownPeer_FailsAndRaisesSendFailedOnly()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var known = await RegisterAsync(node, events, TestNodes.DeadPort());
        var nowhere = new PeerKey(Ip, TestNodes.DeadPort());

        var result = await node.SendAsync(nowhere, "hello?");

        Assert.False(result.Success);
        Assert.Equal(nowhere, (await events.WaitFor<SendFailed>()).To);
        Assert.Empty(events.All<PeerRemoved>());
        Assert.NotNull(node.Peers.Find(known));
    }

    [Fact]
    public async Task Broadcast_ReachesEveryKnownPeer()
    {
        await using var first = RawLegacyPeer.Start();
        await using var second = RawLegacyPeer.Start();
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await RegisterAsync(node, events, first.Port, "first");
        await RegisterAsync(node, events, second.Port, "second");

        var results = await node.BroadcastAsync("to everyone");

        Assert.Equal(2, results.Length);
        Assert.All(results, r => Assert.True(r.Success, r.Error));
        Assert.Equal(new HashSet<PeerKey> { first.Key, second.Key }, results.Select(r => r.To).ToHashSet());
        var expected = Bytes($"<127.0.0.1:{node.Port}> @ <bob>\nto everyone\n<end>");
        Assert.Equal(expected, await first.ReceiveAsync());
        Assert.Equal(expected, await second.ReceiveAsync());
    }

    [Fact]
    public async Task RemovePeer_SendsDisconnectAndRemovesIt()
    {
        await using var oldPeer = RawLegacyPeer.Start();
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await RegisterAsync(node, events, oldPeer.Port);

        var result = await node.RemovePeerAsync(oldPeer.Key);

        Assert.True(result.Success, result.Error);
        Assert.Equal($"<127.0.0.1:{node.Port}> DISCONNECT", await oldPeer.ReceiveStringAsync());
        var removed = await events.WaitFor<PeerRemoved>();
        Assert.Equal(PeerRemovalReason.RemovedByUser, removed.Reason);
        Assert.Equal(0, node.Peers.Count);
    }

    [Fact]
    public async Task RemovePeer_Unknown_FailsAndChangesNothing()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await RegisterAsync(node, events, TestNodes.DeadPort());
        // The registering message is shown once committed, which can come after the peer is added: counted before.
        await events.WaitFor<MessageReceived>();
        var before = node.Peers.Snapshot();
        var eventsBefore = events.Events.Count;

        var result = await node.RemovePeerAsync(new PeerKey(Ip, TestNodes.DeadPort()));

        Assert.False(result.Success);
        Assert.Contains("unknown", result.Error);
        Assert.Equal(before, node.Peers.Snapshot());
        Assert.Equal(eventsBefore, events.Events.Count);
    }

    // ---- shutdown ----

    [Fact]
    public async Task Stop_SendsExactDisconnectToKnownPeers()
    {
        await using var oldPeer = RawLegacyPeer.Start();
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await RegisterAsync(node, events, oldPeer.Port);
        var port = node.Port;

        await node.StopAsync();

        Assert.Equal(Bytes($"<127.0.0.1:{port}> DISCONNECT"), await oldPeer.ReceiveAsync());
    }

    [Fact]
    public async Task Stop_ClosesTheListener()
    {
        // A reserved port: one the kernel handed out could be given to another test's listener once this one closes.
        await using var node = await TestNodes.StartAsync("bob", configure: o => o with { Port = ReservedPorts.Take(), StrictPort = true });
        var port = node.Port;

        await node.StopAsync();

        using var client = new TcpClient();
        var error = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }
}
