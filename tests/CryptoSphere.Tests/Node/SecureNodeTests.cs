using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CryptoSphere.Tests.Node;

/// <summary>The secure protocol between real nodes (and hand-driven TLS peers) on loopback sockets.</summary>
public class SecureNodeTests
{
    private const string Ip = TestNodes.Loopback;
    private static readonly TimeSpan Wait = EventWaiter.DefaultTimeout;

    private static string LegacyChat(int headerPort, string team, string text) =>
        $"<{Ip}:{headerPort}> @ <{team}>\n{text}\n<end>";

    private static async Task DeliveredAsync(SendResult result)
    {
        Assert.True(result.Success, result.Error);
        Assert.NotNull(result.Delivered);
        await result.Delivered.WaitAsync(Wait);
    }

    /// <summary>A raw TLS client that has exchanged Hellos with the node.</summary>
    private static async Task<RawSecurePeer> ConnectRawAsync(ChatNode node, string name = "raw")
    {
        var raw = await RawSecurePeer.ConnectAsync(node.Port, expected: node.Identity.Id);
        try
        {
            await raw.SendHelloAsync(listenPort: (ushort)TestNodes.DeadPort(), name);
            var (hello, skipped) = await raw.ReadUntilAsync(FrameType.Hello);
            Assert.Empty(skipped);
            Assert.Equal(node.Port, HelloMessage.Decode(new(hello)).ListenPort);
            return raw;
        }
        catch
        {
            await raw.DisposeAsync();
            throw;
        }
    }

    /// <summary>Established TCP connections with one end on either port (each connection counts twice: both ends are here).</summary>
    private static int EstablishedEnds(params int[] ports) =>
        IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections()
            .Count(c => c.State == TcpState.Established
                        && IPAddress.IsLoopback(c.LocalEndPoint.Address)
                        && (ports.Contains(c.LocalEndPoint.Port) || ports.Contains(c.RemoteEndPoint.Port)));

    // ---- two nodes ----

    [Fact]
    public async Task TwoNodes_Handshake_Exchange_AndAcknowledge()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);

        var sent = await alice.SendAsync(TestNodes.KeyOf(bob), "hello bob");

        Assert.True(sent.Success, sent.Error);
        Assert.Equal(PeerProtocol.Secure, sent.Protocol);
        Assert.Equal(TestNodes.KeyOf(bob), sent.To);
        Assert.NotNull(sent.MessageId);
        await DeliveredAsync(sent);
        var delivered = await aliceEvents.WaitFor<MessageDelivered>();
        Assert.Equal(sent.MessageId, delivered.MessageId);
        Assert.Equal(bob.Identity.Id, delivered.PeerId);
        Assert.Equal(TestNodes.KeyOf(bob), delivered.To);

        var atAlice = await aliceEvents.WaitFor<SecurePeerConnected>();
        Assert.Equal(bob.Identity.Id, atAlice.PeerId);
        Assert.Equal(TestNodes.KeyOf(bob), atAlice.Address);
        Assert.Equal("bob", atAlice.Name);
        Assert.True(atAlice.FirstContact);
        Assert.Equal(TrustState.Unknown, atAlice.Trust);
        var atBob = await bobEvents.WaitFor<SecurePeerConnected>();
        Assert.Equal(alice.Identity.Id, atBob.PeerId);
        Assert.Equal(TestNodes.KeyOf(alice), atBob.Address);
        Assert.Equal("alice", atBob.Name);

        var received = await bobEvents.WaitFor<MessageReceived>();
        Assert.Equal("hello bob", received.Text);
        Assert.Equal(PeerProtocol.Secure, received.Protocol);
        Assert.Equal(alice.Identity.Id, received.PeerId);
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal(TestNodes.KeyOf(alice), received.From);
        Assert.NotNull(received.SentAt);
        Assert.InRange(received.SentAt.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        // Both remember the other's proven ID where it was met.
        Assert.Equal(TestNodes.KeyOf(bob).ToString(), alice.Trust.Find(bob.Identity.Id)?.LastAddress);
        Assert.Equal("alice", bob.Trust.Find(alice.Identity.Id)?.Name);
        Assert.Equal(alice.Identity.Id, bob.Peers.Find(TestNodes.KeyOf(alice))?.Id);
    }

    [Fact]
    public async Task Reply_GoesBackOverTheSameSession()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "ping?"));
        var received = await bobEvents.WaitFor<MessageReceived>();

        var reply = await bob.SendAsync(received.PeerId!.Value, "pong!");
        var reply2 = await bob.SendAsync(received.From, "pong again");

        await DeliveredAsync(reply);
        await DeliveredAsync(reply2);
        var atAlice = await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "pong!");
        Assert.Equal(bob.Identity.Id, atAlice.PeerId);
        Assert.Equal(reply.MessageId, atAlice.MessageId);
        await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "pong again");
        Assert.Equal([bob.Identity.Id], alice.ConnectedPeerIds);
        Assert.Equal([alice.Identity.Id], bob.ConnectedPeerIds);
        Assert.Single(aliceEvents.All<SecurePeerConnected>());
        Assert.Single(bobEvents.All<SecurePeerConnected>());
        Assert.Equal(2, EstablishedEnds(alice.Port, bob.Port));
    }

    [Fact]
    public async Task LegacyAndSecurePeers_OnTheSamePort_AreBothHeard()
    {
        var bobEvents = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await using var alice = await TestNodes.StartAsync("alice");
        var oldPort = TestNodes.DeadPort();

        var legacy = RawLegacyPeer.SendAsync(bob.Port, LegacyChat(oldPort, "old-timer", "plain hello"));
        var secure = alice.SendAsync(TestNodes.KeyOf(bob), "encrypted hello");
        await legacy;
        await DeliveredAsync(await secure);

        var plain = await bobEvents.WaitFor<MessageReceived>(m => m.Text == "plain hello");
        Assert.Equal(PeerProtocol.Legacy, plain.Protocol);
        Assert.Null(plain.PeerId);
        Assert.Equal(new PeerKey(Ip, oldPort), plain.From);
        var encrypted = await bobEvents.WaitFor<MessageReceived>(m => m.Text == "encrypted hello");
        Assert.Equal(PeerProtocol.Secure, encrypted.Protocol);
        Assert.Equal(alice.Identity.Id, encrypted.PeerId);
        Assert.Equal(PeerProtocol.Legacy, bob.Peers.Find(new PeerKey(Ip, oldPort))?.Protocol);
        Assert.Equal(PeerProtocol.Secure, bob.Peers.Find(TestNodes.KeyOf(alice))?.Protocol);
        Assert.Empty(bobEvents.All<InputRejected>());
    }

    // ---- policy ----

    [Fact]
    public async Task SecureOnly_RefusesLegacyBothWays_ButTalksToSecureNodes()
    {
        var bobEvents = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { SecureOnly = true });
        await using var oldPeer = RawLegacyPeer.Start();
        await using var alice = await TestNodes.StartAsync("alice");

        var sourcePort = await RawLegacyPeer.SendAsync(bob.Port, LegacyChat(oldPeer.Port, "old", "let me in"));
        var rejected = await bobEvents.WaitFor<InputRejected>();
        Assert.Equal($"{Ip}:{sourcePort}", rejected.Remote);
        Assert.Contains("secure-only", rejected.Reason);

        var toOld = await bob.SendAsync(oldPeer.Key, "plaintext?");
        Assert.False(toOld.Success);
        Assert.Contains("legacy", toOld.Error);
        Assert.Contains(bobEvents.All<SendFailed>(), f => f.To == oldPeer.Key);

        await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "secure is fine"));
        // Bob's events are delivered by their own task; the ack can reach Alice first.
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "secure is fine");
        var received = Assert.Single(bobEvents.All<MessageReceived>());
        Assert.Equal("secure is fine", received.Text);
        Assert.Null(bob.Peers.Find(new PeerKey(Ip, oldPeer.Port)));
    }

    [Fact]
    public async Task BlockedPeer_IsRefused_AndNothingItSendsIsShown()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await bob.BlockPeerAsync(alice.Identity.Id);

        var sent = await alice.SendAsync(TestNodes.KeyOf(bob), "let me in");

        Assert.False(sent.Success);
        var refused = await bobEvents.WaitFor<PeerRefused>();
        Assert.Equal(alice.Identity.Id, refused.PeerId);
        Assert.Contains("blocked", refused.Reason);
        Assert.Empty(bobEvents.All<MessageReceived>());
        Assert.Empty(bobEvents.All<SecurePeerConnected>());
        Assert.Empty(bob.ConnectedPeerIds);
        Assert.Equal(0, bob.Peers.Count);
        Assert.Empty(aliceEvents.All<MessageDelivered>());
    }

    [Fact]
    public async Task BlockingAConnectedPeer_ClosesItsSession_AndRefusesItsReturn()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, o => o with { ReconnectInitialDelay = TimeSpan.FromMilliseconds(100) });
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "friends?"));

        await bob.BlockPeerAsync(alice.Identity.Id);

        Assert.Empty(bob.ConnectedPeerIds);
        Assert.Null(bob.Peers.Find(TestNodes.KeyOf(alice)));
        await aliceEvents.WaitFor<SecurePeerDisconnected>(d => d.PeerId == bob.Identity.Id);
        // Alice tries to come back by herself; bob turns her away without a session.
        var refused = await bobEvents.WaitFor<PeerRefused>(r => r.PeerId == alice.Identity.Id);
        Assert.Contains("blocked", refused.Reason);
        var again = await alice.SendAsync(TestNodes.KeyOf(bob), "still friends?");
        Assert.False(again.Success);
        Assert.Equal(["friends?"], bobEvents.All<MessageReceived>().Select(m => m.Text));
        Assert.Single(bobEvents.All<SecurePeerConnected>());
    }

    [Fact]
    public async Task AcceptTrusted_HoldsAnUntrustedSendersMessages_UntilTrusted()
    {
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice");
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { Accept = AcceptPolicy.Trusted });

        // Held messages are still acknowledged: they were received and kept.
        await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "knock knock"));
        await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "anyone home?"));

        var request = await bobEvents.WaitFor<ContactRequestReceived>();
        Assert.Equal(alice.Identity.Id, request.PeerId);
        Assert.Equal("alice", request.Name);
        Assert.Equal("knock knock", request.FirstText);
        Assert.Equal(TestNodes.KeyOf(alice), request.From);
        Assert.Single(bobEvents.All<ContactRequestReceived>());
        Assert.Empty(bobEvents.All<MessageReceived>());
        var held = Assert.Single(bob.ContactRequests);
        Assert.Equal(["knock knock", "anyone home?"], held.Messages.Select(m => m.Text));

        bob.TrustPeer(alice.Identity.Id);

        Assert.Equal(["knock knock", "anyone home?"], bobEvents.All<MessageReceived>().Select(m => m.Text));
        Assert.All(bobEvents.All<MessageReceived>(), m => Assert.Equal(alice.Identity.Id, m.PeerId));
        Assert.Empty(bob.ContactRequests);
        Assert.Equal(TrustState.Trusted, bob.Trust.StateOf(alice.Identity.Id));
        await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "thanks"));
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "thanks");
        Assert.Single(bobEvents.All<ContactRequestReceived>());
    }

    // ---- identity ----

    [Fact]
    public async Task AnotherNodeOnAKnownPeersAddress_IsRefused_NamingBothIds()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        // Mallory takes bob's port once bob is gone: a reserved one, so nothing else is given it in between.
        var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { Port = ReservedPorts.Take(), StrictPort = true });
        var bobId = bob.Identity.Id;
        var bobKey = TestNodes.KeyOf(bob);
        await using (bob)
        {
            await DeliveredAsync(await alice.SendAsync(bobKey, "hi bob"));
            await bob.StopAsync();
            await aliceEvents.WaitFor<SecurePeerDisconnected>(d => d.PeerId == bobId);
        }
        var malloryEvents = new EventWaiter();
        await using var mallory = await TestNodes.StartAsync("bob", malloryEvents, o => o with
        {
            Port = bobKey.Port,
            StrictPort = true,
        });
        Assert.Equal(bobKey.Port, mallory.Port);

        var sent = await alice.SendAsync(bobKey, "is that you, bob?");

        Assert.False(sent.Success);
        Assert.Contains(bobId.ToString(), sent.Error);
        Assert.Contains(mallory.Identity.Id.ToString(), sent.Error);
        var refused = await aliceEvents.WaitFor<PeerRefused>();
        Assert.Equal(mallory.Identity.Id, refused.PeerId);
        Assert.Equal(bobKey.ToString(), refused.Remote);
        Assert.DoesNotContain(aliceEvents.All<SecurePeerConnected>(), c => c.PeerId == mallory.Identity.Id);
        Assert.Empty(malloryEvents.All<MessageReceived>());
        // Not by address, and not by ID either.
        var byId = await alice.SendAsync(bobId, "bob?");
        Assert.False(byId.Success);
        Assert.Empty(malloryEvents.All<MessageReceived>());
    }

    // ---- hand-driven peers ----

    [Fact]
    public async Task UnsupportedVersion_GetsAnErrorFrame_AndIsRefused()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await using var raw = await RawSecurePeer.ConnectAsync(node.Port, expected: node.Identity.Id);

        await raw.SendHelloAsync(listenPort: 1, version: 99);

        var frames = await raw.ReadUntilClosedAsync();
        var error = Assert.Single(frames, f => f.Type == FrameType.Error);
        var message = ErrorMessage.Decode(new(error.Body));
        Assert.Equal(ErrorCode.UnsupportedVersion, message.Code);
        Assert.Contains("99", message.Reason);
        Assert.Contains("version", message.Reason);
        var refused = await events.WaitFor<PeerRefused>();
        Assert.Equal(raw.Id, refused.PeerId);
        Assert.Contains("version", refused.Reason);
        Assert.Empty(events.All<SecurePeerConnected>());
        Assert.Empty(node.ConnectedPeerIds);
    }

    [Fact]
    public async Task AFrameOtherThanHelloFirst_IsRefused()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await using var raw = await RawSecurePeer.ConnectAsync(node.Port, expected: node.Identity.Id);

        await raw.SendChatAsync(ChatMessage.Create("no introductions"));

        var frames = await raw.ReadUntilClosedAsync();
        Assert.DoesNotContain(frames, f => f.Type == FrameType.Ack);
        var refused = await events.WaitFor<PeerRefused>();
        Assert.Equal(raw.Id, refused.PeerId);
        Assert.Contains("HELLO", refused.Reason);
        Assert.Empty(events.All<MessageReceived>());
        Assert.Empty(events.All<SecurePeerConnected>());
    }

    [Fact]
    public async Task ATlsClientWithoutACertificate_IsRejected()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, node.Port);
        // As every TLS client of the node: a greeting that arrives before the ServerHello is not TLS.
        await using var ssl = new System.Net.Security.SslStream(new CryptoSphere.Core.Sessions.GreetingSkippingStream(tcp.GetStream()),
            leaveInnerStreamOpen: false);

        var handshake = await Record.ExceptionAsync(async () =>
        {
            await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "cryptosphere",
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            // TLS 1.3: the client may finish before the server has judged its (missing) certificate.
            var buffer = new byte[16];
            using var limit = new CancellationTokenSource(Wait);
            while (await ssl.ReadAsync(buffer, limit.Token) > 0)
            {
            }
            throw new IOException("closed");
        });

        Assert.NotNull(handshake);
        var rejected = await events.WaitFor<InputRejected>();
        Assert.Contains("TLS", rejected.Reason);
        Assert.Empty(events.All<SecurePeerConnected>());
        Assert.Equal(0, node.Peers.Count);
    }

    public static TheoryData<string, byte[]> BadFrames => new()
    {
        { "2 MiB announced", [0x00, 0x20, 0x00, 0x00, (byte)FrameType.Chat, 1, 2, 3] },
        { "length 0", [0, 0, 0, 0] },
        { "CHAT too short", [0, 0, 0, 3, (byte)FrameType.Chat, 1, 2] },
        { "second HELLO", [0, 0, 0, 11, (byte)FrameType.Hello, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task ABadFrameAfterHello_ClosesOnlyThatConnection(string kind, byte[] bytes)
    {
        var bobEvents = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await using var alice = await TestNodes.StartAsync("alice");
        await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "before"));
        await using var raw = await ConnectRawAsync(bob);
        await bobEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == raw.Id);

        await raw.WriteAsync(bytes);

        var frames = await raw.ReadUntilClosedAsync();
        Assert.DoesNotContain(frames, f => f.Type is FrameType.Ack or FrameType.Chat);
        var gone = await bobEvents.WaitFor<SecurePeerDisconnected>(d => d.PeerId == raw.Id);
        Assert.False(string.IsNullOrWhiteSpace(gone.Reason), kind);
        Assert.Equal([alice.Identity.Id], bob.ConnectedPeerIds);
        await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "after"));
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "after");
        Assert.DoesNotContain(bobEvents.All<SecurePeerDisconnected>(), d => d.PeerId == alice.Identity.Id);
        Assert.Equal(["before", "after"], bobEvents.All<MessageReceived>().Select(m => m.Text));
    }

    [Fact]
    public async Task OversizedFrame_IsReportedWithItsSize()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await using var raw = await ConnectRawAsync(node);

        await raw.WriteAsync([0x00, 0x20, 0x00, 0x00]);

        var gone = await events.WaitFor<SecurePeerDisconnected>(d => d.PeerId == raw.Id);
        Assert.Contains("2097152", gone.Reason);
    }

    [Fact]
    public async Task UnknownFrameType_IsSkipped_AndTheNextChatIsDelivered()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await using var raw = await ConnectRawAsync(node, "from the future");
        var chat = ChatMessage.Create("after the unknown frame");

        await raw.WriteAsync([0, 0, 0, 4, 0x7E, 0xDE, 0xAD, 0x00]);
        await raw.SendChatAsync(chat);

        var (ack, _) = await raw.ReadUntilAsync(FrameType.Ack);
        Assert.Equal(chat.Id, AckMessage.Decode(new(ack)).MessageId);
        var received = await events.WaitFor<MessageReceived>();
        Assert.Equal("after the unknown frame", received.Text);
        Assert.Equal("from the future", received.Name);
        Assert.Equal(raw.Id, received.PeerId);
        Assert.Equal(chat.Id, received.MessageId);
        Assert.Empty(events.All<SecurePeerDisconnected>());
        Assert.Contains(raw.Id, node.ConnectedPeerIds);
    }

    [Fact]
    public async Task DuplicateChat_IsShownOnce_ButAcknowledgedEachTime()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        await using var raw = await ConnectRawAsync(node);
        var chat = ChatMessage.Create("say it twice");

        await raw.SendChatAsync(chat);
        var (first, _) = await raw.ReadUntilAsync(FrameType.Ack);
        await raw.SendChatAsync(chat with { Text = "a resend carries the same ID" });
        var (second, _) = await raw.ReadUntilAsync(FrameType.Ack);

        Assert.Equal(chat.Id, AckMessage.Decode(new(first)).MessageId);
        Assert.Equal(chat.Id, AckMessage.Decode(new(second)).MessageId);
        // The second ACK is written after the second CHAT was handled: nothing more can come of it. The events reach
        // subscribers from their own task, so the first one may still follow the ACKs: wait for it, then count.
        await events.WaitFor<MessageReceived>(m => m.MessageId == chat.Id);
        var received = Assert.Single(events.All<MessageReceived>());
        Assert.Equal("say it twice", received.Text);
        Assert.Equal(1, node.Peers.Find(received.From)?.MessageCount);
    }

    [Fact]
    public async Task Ping_IsAnsweredWithPong_CarryingTheSameToken()
    {
        await using var node = await TestNodes.StartAsync("bob");
        await using var raw = await ConnectRawAsync(node);

        await raw.SendAsync(w => new PingMessage(0xC0FFEE_0000_0001).Encode(w, FrameType.Ping));

        var (pong, _) = await raw.ReadUntilAsync(FrameType.Pong);
        Assert.Equal(0xC0FFEE_0000_0001UL, PingMessage.Decode(new(pong)).Token);
    }

    [Fact]
    public async Task Heartbeat_DropsAPeerThatGoesSilent()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events, o => o with
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            DeadAfter = TimeSpan.FromMilliseconds(400),
        });
        await using var raw = await ConnectRawAsync(node);

        // The raw peer reads but never answers.
        var frames = await raw.ReadUntilClosedAsync();

        Assert.Contains(frames, f => f.Type == FrameType.Ping);
        var gone = await events.WaitFor<SecurePeerDisconnected>();
        Assert.Equal(raw.Id, gone.PeerId);
        Assert.Contains("0.4 s", gone.Reason);
        Assert.DoesNotContain(raw.Id, node.ConnectedPeerIds);
    }

    [Fact]
    public async Task Heartbeat_KeepsAPeerThatAnswers_AndPingsOnlyOnce()
    {
        // The node's clock is the test's: its heartbeat ticks only when the test moves time, and each PONG is read by the
        // node before the next tick. On the real clock a pause of the machine of about 0.3 s anywhere between a PING and
        // the node reading its PONG (DeadAfter is 0.4 s) dropped the session, though the peer had answered every PING.
        var interval = TimeSpan.FromMilliseconds(100);
        var clock = new HeartbeatWatchingClock(interval);
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events, o => o with
        {
            HeartbeatInterval = interval,
            DeadAfter = TimeSpan.FromMilliseconds(400),
        }, clock: clock);
        await using var raw = await ConnectRawAsync(node);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == raw.Id);
        var session = node.SessionForTests(raw.Id);
        Assert.NotNull(session);
        // Time moves only once the session's heartbeat is running, so no tick is lost before it.
        await clock.HeartbeatStarted.WaitAsync(Wait);

        var tokens = new List<ulong>();
        while (tokens.Count < 10) // 1 s of the node's time: more than twice DeadAfter
        {
            clock.Advance(interval);
            var (ping, _) = await raw.ReadUntilAsync(FrameType.Ping);
            var token = PingMessage.Decode(new(ping)).Token;
            tokens.Add(token);
            await raw.SendAsync(w => new PingMessage(token).Encode(w, FrameType.Pong));
            // The node has read the PONG (at this tick's time) before its time moves on.
            var answeredAt = clock.GetUtcNow();
            await Eventually.HoldsAsync(() => session.LastReceived == answeredAt, $"the node read the PONG for PING {token}");
        }

        Assert.Empty(events.All<SecurePeerDisconnected>());
        Assert.Contains(raw.Id, node.ConnectedPeerIds);
        Assert.Equal(tokens.Order().Distinct(), tokens);
    }

    /// <summary>A test clock that says when a session's heartbeat timer (the one periodic timer of that interval) exists.</summary>
    private sealed class HeartbeatWatchingClock(TimeSpan heartbeatInterval) : FakeTimeProvider(DateTimeOffset.UtcNow)
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task HeartbeatStarted => _started.Task;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (period == heartbeatInterval)
                _started.TrySetResult();
            return timer;
        }
    }

    [Fact]
    public async Task Heartbeat_StaysQuietWhileThePeerPingsItself_AndResumesWhenItStops()
    {
        // The node's clock is the test's: its heartbeat ticks exactly when the test moves time, so nothing here sleeps.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await TestNodes.StartAsync("bob", configure: o => o with
        {
            HeartbeatInterval = TimeSpan.FromSeconds(2),
            DeadAfter = TimeSpan.FromSeconds(60),
        }, clock: clock);
        await using var raw = await ConnectRawAsync(node);

        // The peer keeps the session alive itself, twice per interval of the node's (another node does so once): each
        // second it pings, and the node answers; every other second the node's heartbeat ticks and sends nothing.
        var skipped = new List<FrameType>();
        for (var i = 1UL; i <= 10; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await raw.SendAsync(w => new PingMessage(i).Encode(w, FrameType.Ping));
            var (pong, before) = await raw.ReadUntilAsync(FrameType.Pong);
            Assert.Equal(i, PingMessage.Decode(new(pong)).Token);
            skipped.AddRange(before);
        }
        Assert.DoesNotContain(FrameType.Ping, skipped);

        // Once the peer goes quiet, the node pings it again; its first PING ever, so none slipped out above unseen.
        clock.Advance(TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromSeconds(2));
        var (ping, _) = await raw.ReadUntilAsync(FrameType.Ping, TimeSpan.FromSeconds(30));
        Assert.Equal(1UL, PingMessage.Decode(new(ping)).Token);
    }

    [Fact]
    public async Task AKeptConnection_IsSupervisedOnce_WhenTheSamePeerAlsoConnectsTheOtherWay()
    {
        // The node has the smaller ID, so on a double connection both sides keep the one the node opened.
        var (small, large) = SmallerFirst(NodeIdentity.CreateEphemeral(), NodeIdentity.CreateEphemeral());
        using var nodeIdentity = small;
        using var peerIdentity = large;
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events, o => o with
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            DeadAfter = TimeSpan.FromSeconds(5),
        }, nodeIdentity);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var peerPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            var accepting = RawSecurePeer.AcceptAsync(listener, peerIdentity);
            var sending = node.SendAsync(new PeerKey(Ip, peerPort), "outgoing");
            await using var outgoing = await accepting;
            await outgoing.SendHelloAsync((ushort)peerPort, "raw peer");
            await outgoing.ReadUntilAsync(FrameType.Chat);
            Assert.True((await sending).Success);

            await using var incoming = await RawSecurePeer.ConnectAsync(node.Port, peerIdentity, node.Identity.Id);
            await incoming.SendHelloAsync((ushort)peerPort, "raw peer");
            var duplicateFrames = await incoming.ReadUntilClosedAsync();

            Assert.DoesNotContain(duplicateFrames, f => f.Type == FrameType.Error);
            Assert.Equal([peerIdentity.Id], node.ConnectedPeerIds);
            var tokens = new List<ulong>();
            while (tokens.Count < 6)
            {
                var (ping, _) = await outgoing.ReadUntilAsync(FrameType.Ping);
                var token = PingMessage.Decode(new(ping)).Token;
                tokens.Add(token);
                await outgoing.SendAsync(w => new PingMessage(token).Encode(w, FrameType.Pong));
            }
            // One heartbeat loop per connection: its tokens only go up.
            Assert.Equal(tokens.Order().Distinct(), tokens);
            // The event comes from the node's bus task, not with the send's result: wait for it, then count.
            await events.WaitFor<SecurePeerConnected>(c => c.PeerId == peerIdentity.Id);
            Assert.Single(events.All<SecurePeerConnected>());
        }
        finally
        {
            listener.Stop();
        }
    }

    private static (NodeIdentity Small, NodeIdentity Large) SmallerFirst(NodeIdentity a, NodeIdentity b) =>
        string.CompareOrdinal(a.Id.Value, b.Id.Value) < 0 ? (a, b) : (b, a);

    // ---- lifecycle ----

    [Fact]
    public async Task Reconnect_AfterThePeerVanished_ToItsReplacementWithTheSameIdentity()
    {
        using var bobData = new TempDirectory();
        using var bobIdentity = NodeIdentity.LoadOrCreate(bobData.Path);
        var aliceEvents = new EventWaiter();
        // Alice's clock is the test's, stopped until bob's replacement is up. On the real clock alice gave bob up 0.4 s
        // after the cable froze, and redialled bob's own port (around the cable) so that bob got "sent into the void" after
        // all, whenever a loaded machine ran the send below that late; a pause before the freeze did the same.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, o => o with
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            DeadAfter = TimeSpan.FromMilliseconds(400),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
        }, clock: clock);
        // Bob's replacement comes back on his port: a reserved one, so nothing else is given it in between.
        var bob = await TestNodes.StartAsync("bob", configure: o => o with { Port = ReservedPorts.Take(), StrictPort = true }, identity: bobIdentity);
        var bobKey = TestNodes.KeyOf(bob);
        await using var cable = TcpRelay.Start(bob.Port);
        using var stopTicking = new CancellationTokenSource();
        var ticking = Task.CompletedTask;
        try
        {
            // Through the relay, but the peer is known by the listening port its HELLO gave.
            var first = await alice.SendAsync(new PeerKey(Ip, cable.Port), "before");
            Assert.Equal(bobKey, first.To);
            await DeliveredAsync(first);

            cable.Freeze();
            var lost = await alice.SendAsync(bobKey, "sent into the void");
            Assert.True(lost.Success, lost.Error);
            await bob.DisposeAsync(); // its BYE is lost in the frozen cable: to alice, bob just went silent

            using var sameIdentity = NodeIdentity.LoadOrCreate(bobData.Path);
            Assert.Equal(bobIdentity.Id, sameIdentity.Id);
            var bob2Events = new EventWaiter();
            await using var bob2 = await TestNodes.StartAsync("bob", bob2Events, o => o with
            {
                Port = bobKey.Port,
                StrictPort = true,
            }, sameIdentity);

            // Now alice's time runs (about as fast as the real one): its heartbeat finds bob silent, and it redials.
            ticking = Task.Run(async () =>
            {
                while (!stopTicking.IsCancellationRequested)
                {
                    clock.Advance(TimeSpan.FromMilliseconds(20));
                    await Task.Delay(20, CancellationToken.None);
                }
            });
            await aliceEvents.WaitFor<SecurePeerDisconnected>(d => d.PeerId == bobIdentity.Id);
            var back = await bob2Events.WaitFor<SecurePeerConnected>();
            Assert.Equal(alice.Identity.Id, back.PeerId);
            await Eventually.HoldsAsync(() => aliceEvents.All<SecurePeerConnected>().Count == 2, "alice sees bob again");
            Assert.False(aliceEvents.All<SecurePeerConnected>()[1].FirstContact);
            // What was never acknowledged goes out again on the new session.
            await lost.Delivered!.WaitAsync(Wait);
            await bob2Events.WaitFor<MessageReceived>(m => m.Text == "sent into the void");
            var after = await alice.SendAsync(bobKey, "after the reconnect");
            await DeliveredAsync(after);
            var received = await bob2Events.WaitFor<MessageReceived>(m => m.Text == "after the reconnect");
            Assert.Equal(alice.Identity.Id, received.PeerId);
            Assert.Equal([bobIdentity.Id], alice.ConnectedPeerIds);
        }
        finally
        {
            await stopTicking.CancelAsync();
            await ticking;
        }
    }

    [Fact]
    public async Task GracefulStop_SaysBye_AndThePeerForgetsTheConnection()
    {
        var bobEvents = new EventWaiter();
        var alice = await TestNodes.StartAsync("alice");
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        var aliceKey = TestNodes.KeyOf(alice);
        var aliceId = alice.Identity.Id;
        await using (alice)
        {
            await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "bye soon"));
            await bobEvents.WaitFor<SecurePeerConnected>();

            await alice.StopAsync();
        }

        var gone = await bobEvents.WaitFor<SecurePeerDisconnected>();
        Assert.Equal(aliceId, gone.PeerId);
        Assert.Contains("goodbye", gone.Reason);
        var removed = await bobEvents.WaitFor<PeerRemoved>();
        Assert.Equal(aliceKey, removed.Peer.Key);
        Assert.Equal(PeerRemovalReason.Disconnected, removed.Reason);
        Assert.Empty(bob.ConnectedPeerIds);
        Assert.Equal(0, bob.Peers.Count);
    }

    [Fact]
    public async Task SimultaneousConnect_EndsWithOneSession_AndEachMessageOnce()
    {
        for (var round = 0; round < 5; round++)
        {
            var aliceEvents = new EventWaiter();
            var bobEvents = new EventWaiter();
            await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
            await using var bob = await TestNodes.StartAsync("bob", bobEvents);

            var results = await Task.WhenAll(
                alice.SendAsync(TestNodes.KeyOf(bob), "from alice"),
                bob.SendAsync(TestNodes.KeyOf(alice), "from bob"));

            await DeliveredAsync(results[0]);
            await DeliveredAsync(results[1]);
            await bobEvents.WaitFor<MessageReceived>(m => m.Text == "from alice");
            await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "from bob");
            await Eventually.HoldsAsync(
                () => alice.ConnectedPeerIds.Count == 1 && bob.ConnectedPeerIds.Count == 1 && EstablishedEnds(alice.Port, bob.Port) == 2,
                $"round {round}: one connection between alice and bob (established ends: {EstablishedEnds(alice.Port, bob.Port)})");
            // The connection both kept works both ways, without a new one.
            var connectedBefore = aliceEvents.All<SecurePeerConnected>().Count + bobEvents.All<SecurePeerConnected>().Count;
            await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "again from alice"));
            await DeliveredAsync(await bob.SendAsync(TestNodes.KeyOf(alice), "again from bob"));
            // Each side's events come from its own delivery task, possibly after the ack: wait, then compare.
            await bobEvents.WaitFor<MessageReceived>(m => m.Text == "again from alice");
            await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "again from bob");
            Assert.Equal(connectedBefore, aliceEvents.All<SecurePeerConnected>().Count + bobEvents.All<SecurePeerConnected>().Count);
            Assert.Equal(["from alice", "again from alice"], bobEvents.All<MessageReceived>().Select(m => m.Text));
            Assert.Equal(["from bob", "again from bob"], aliceEvents.All<MessageReceived>().Select(m => m.Text));
            Assert.Equal([bob.Identity.Id], alice.ConnectedPeerIds);
            Assert.Equal([alice.Identity.Id], bob.ConnectedPeerIds);
        }
    }

    // ---- secrets ----

    [Fact]
    public async Task NoKeyMaterial_IsEverLogged()
    {
        var capture = new CapturingLoggerProvider();
        using var factory = capture.CreateFactory();
        var bobEvents = new EventWaiter();
        var aliceEvents = new EventWaiter();
        string[] keys;
        var alice = new ChatNode(TestNodes.Options("alice"), factory);
        var bob = new ChatNode(TestNodes.Options("bob"), factory);
        await using (alice)
        await using (bob)
        {
            aliceEvents.Attach(alice);
            bobEvents.Attach(bob);
            await alice.StartAsync();
            await bob.StartAsync();
            keys = [PrivateKeyBase64(alice.Identity), PrivateKeyBase64(bob.Identity)];

            await DeliveredAsync(await alice.SendAsync(TestNodes.KeyOf(bob), "secret plans"));
            await DeliveredAsync(await bob.SendAsync(TestNodes.KeyOf(alice), "even more secret"));
            // Some failures too: they log exceptions.
            await using (var raw = await ConnectRawAsync(bob))
                await raw.WriteAsync([0, 0, 0, 0]);
            await bobEvents.WaitFor<SecurePeerDisconnected>();
            await RawLegacyPeer.SendAsync(bob.Port, "garbage\n");
            await bobEvents.WaitFor<InputRejected>();
        }

        var log = capture.Text;
        Assert.Contains("Secure session", log);
        Assert.Contains(alice.Identity.Id.Short, log);
        Assert.DoesNotContain("PRIVATE KEY", log);
        foreach (var key in keys)
        {
            for (var i = 0; i + 16 <= key.Length; i++)
                Assert.False(log.Contains(key.Substring(i, 16), StringComparison.Ordinal), $"key material at offset {i} is in the log");
        }
    }

    private static string PrivateKeyBase64(NodeIdentity identity)
    {
        using var key = identity.Certificate.GetECDsaPrivateKey()!;
        return Convert.ToBase64String(key.ExportPkcs8PrivateKey());
    }
}
