using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;
using Xunit.Abstractions;

namespace CryptoSphere.Tests.Relay;

/// <summary>Whole nodes with a relay configured (the real strelaysrv): direct first, then the relay, then direct again once it works.</summary>
public sealed class RelayedNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);
    private readonly TempDirectory _temp = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private SyncthingServer? _relay;

    private async Task<ChatNode> StartNodeAsync(string name, EventWaiter events, NodeIdentity identity, Func<NodeOptions, NodeOptions>? configure = null)
    {
        _relay ??= await SyncthingServer.StartRelayAsync(_temp.Combine("relay"));
        var relay = RelayUrl.Parse(_relay.RelayUrl());
        var node = await TestNodes.StartAsync(name, events, o =>
        {
            var withRelay = o with
            {
                AcrossNetworks = new AcrossNetworksOptions(relay),
                RelayConnection = new RelayClientOptions { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) },
                // A TLS handshake through the relay on a loaded CI machine once took over the default 10 s.
                HandshakeTimeout = TimeSpan.FromSeconds(30),
            };
            return configure?.Invoke(withRelay) ?? withRelay;
        }, identity);
        _owned.Insert(0, node);
        using var joined = new CancellationTokenSource(Timeout);
        await node.RelayClient!.WaitJoinedAsync(joined.Token);
        return node;
    }

    [SyncthingServerFact]
    public async Task AContactMetOnTheLan_IsReachedThroughTheRelay_WhenItsAddressNoLongerAnswers()
    {
        using var aliceId = NodeIdentity.CreateEphemeral();
        using var bobId = NodeIdentity.CreateEphemeral();
        using var aliceEvents = new EventWaiter();
        using var bobEvents = new EventWaiter();
        var alice = await StartNodeAsync("alice", aliceEvents, aliceId);
        var bob = await StartNodeAsync("bob", bobEvents, bobId);

        // First meeting, direct: each side stores the other's device ID from the certificate it proved.
        var first = await alice.SendAsync(TestNodes.KeyOf(bob), "hi on the LAN");
        Assert.True(first.Success, first.Error);
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "hi on the LAN", Timeout);
        Assert.Equal(bob.DeviceId, alice.Trust.Find(bobId.Id)?.DeviceId);
        Assert.Equal(alice.DeviceId, bob.Trust.Find(aliceId.Id)?.DeviceId);

        // Bob moves: same identity, another port alice has never heard of.
        await bob.StopAsync();
        using var movedEvents = new EventWaiter();
        var moved = await StartNodeAsync("bob", movedEvents, bobId);
        Assert.NotEqual(bob.Port, moved.Port);

        var sent = await alice.SendAsync(bobId.Id, "hello across networks");

        Assert.True(sent.Success, sent.Error);
        var received = await movedEvents.WaitFor<MessageReceived>(m => m.Text == "hello across networks", Timeout);
        Assert.Equal(aliceId.Id, received.PeerId);
        await aliceEvents.WaitFor<MessageDelivered>(d => d.PeerId == bobId.Id && d.To.Host.StartsWith("relay~"), Timeout);
        Assert.Contains(alice.Peers.Snapshot(), p => p.Id == bobId.Id && p.Key.Host.StartsWith("relay~"));
    }

    [SyncthingServerFact]
    public async Task SomeoneWithNothingConfigured_ReachesANodeThroughTheRelayInItsInviteLink()
    {
        using var aliceId = NodeIdentity.CreateEphemeral();
        using var bobId = NodeIdentity.CreateEphemeral();
        using var aliceEvents = new EventWaiter();
        using var bobEvents = new EventWaiter();
        var bob = await StartNodeAsync("bob", bobEvents, bobId);
        // Bob's direct address in the link does not answer (he is behind a NAT); his relay does.
        var link = new InviteLink(bobId.Id, bob.DeviceId, "bob", [new Core.Peers.PeerKey("127.0.0.1", TestNodes.DeadPort())], bob.RelayClient!.Relay);
        var alice = await TestNodes.StartAsync("alice", aliceEvents, identity: aliceId);
        _owned.Insert(0, alice);
        Assert.True(InviteLink.TryParse(link.ToString(), out var parsed, out var error), error);

        parsed!.AddTo(alice.Trust, trusted: true, DateTimeOffset.UtcNow);
        var sent = await alice.SendAsync(bobId.Id, "hi from the other network");

        Assert.Null(alice.RelayClient);
        Assert.True(sent.Success, sent.Error);
        var received = await bobEvents.WaitFor<MessageReceived>(m => m.Text == "hi from the other network", Timeout);
        Assert.Equal(aliceId.Id, received.PeerId);
        Assert.Equal(TrustState.Trusted, alice.Trust.StateOf(bobId.Id));
    }

    // Hunt C2: a stranger's relay invitation used to be refused unread under --accept trusted; the stranger was told
    // the node was offline and retried for days, and no contact request was ever made. A direct stranger's is one.
    [SyncthingServerFact]
    public async Task WithAcceptTrusted_AStrangerWritingThroughTheRelay_BecomesAContactRequest_AsOnADirectConnection()
    {
        using var aliceId = NodeIdentity.CreateEphemeral();
        using var bobId = NodeIdentity.CreateEphemeral();
        using var aliceEvents = new EventWaiter();
        using var bobEvents = new EventWaiter();
        var alice = await StartNodeAsync("alice", aliceEvents, aliceId);
        var bob = await StartNodeAsync("bob", bobEvents, bobId, o => o with { Accept = AcceptPolicy.Trusted });
        // Alice has bob's invite link (his device ID, an address behind a NAT); bob has never heard of alice.
        MeetThroughLink(alice, bob, bobId);

        var sent = await alice.SendAsync(bobId.Id, "let me in");

        // Taken, or queued and taken on the outbox's next try: a TLS handshake through strelaysrv has stalled now and
        // then in CI runs (also between trusted contacts, see HandshakeTimeout above; its cause is not found yet). The
        // defect this test is for was a refusal on every try, which the wait below still catches.
        Assert.True(sent.Success || sent.State == MessageState.Queued, sent.Error);
        var request = await bobEvents.WaitFor<ContactRequestReceived>(r => r.PeerId == aliceId.Id, Timeout * 3);
        Assert.Equal("let me in", request.FirstText);
        Assert.Equal(PeerReach.Relayed, LocalNetworks.ReachOf(request.From));
        // Held, acknowledged, never shown, as from a stranger on a direct connection.
        await aliceEvents.WaitFor<MessageDelivered>(d => d.PeerId == bobId.Id, Timeout);
        Assert.Contains(bob.ContactRequests, r => r.Id == aliceId.Id);
        Assert.Empty(bobEvents.All<MessageReceived>());
        Assert.Empty(bobEvents.All<PeerRefused>());

        // Bob accepts the request: the held message is shown.
        bob.TrustPeer(aliceId.Id);
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "let me in" && m.PeerId == aliceId.Id, Timeout);
    }

    // Taking strangers' invitations must not take sockets and handshakes without bound: they share the cap one address
    // has on the listener (to bob every relayed session is a connection to the relay), and a trusted contact is never
    // kept out by them.
    [SyncthingServerFact]
    public async Task StrangersRelayedSessions_AreCappedAsOneAddressIsOnTheListener_ButATrustedContactStillGetsIn()
    {
        using var aliceId = NodeIdentity.CreateEphemeral();
        using var carolId = NodeIdentity.CreateEphemeral();
        using var daveId = NodeIdentity.CreateEphemeral();
        using var bobId = NodeIdentity.CreateEphemeral();
        using var aliceEvents = new EventWaiter();
        using var carolEvents = new EventWaiter();
        using var daveEvents = new EventWaiter();
        using var bobEvents = new EventWaiter();
        var bob = await StartNodeAsync("bob", bobEvents, bobId, o => o with { Accept = AcceptPolicy.Trusted, MaxConnectionsPerIp = 1 });
        var alice = await StartNodeAsync("alice", aliceEvents, aliceId);
        // Bob does not answer carol's invitation, so her handshake runs into its timeout: a short one keeps the test short.
        var carol = await StartNodeAsync("carol", carolEvents, carolId, o => o with { HandshakeTimeout = TimeSpan.FromSeconds(2) });
        var dave = await StartNodeAsync("dave", daveEvents, daveId);
        foreach (var sender in new[] { alice, carol, dave })
            MeetThroughLink(sender, bob, bobId);
        // Bob met dave before and trusts him.
        bob.Trust.RecordContact(daveId.Id, "dave", null, DateTimeOffset.UtcNow);
        bob.Trust.RecordDeviceId(daveId.Id, dave.DeviceId, DateTimeOffset.UtcNow);
        bob.Trust.SetState(daveId.Id, TrustState.Trusted, DateTimeOffset.UtcNow);

        // Each send may be queued and go on the outbox's next try: strelaysrv now and then answers a first request with
        // "already connected", or a handshake through it stalls (CI runs; see the test above). What is asserted is who
        // gets in in the end.
        var first = await alice.SendAsync(bobId.Id, "stranger one");
        Assert.True(first.Success || first.State == MessageState.Queued, first.Error);
        await bobEvents.WaitFor<ContactRequestReceived>(r => r.PeerId == aliceId.Id, Timeout * 3);

        // Alice's session is still open and takes the one place: carol's invitation is not taken, and said so.
        var second = await carol.SendAsync(bobId.Id, "stranger two");
        // (Matched by carol's device: with a cap of one, a second invitation of alice's own, when strelaysrv makes her
        // ask again for a session, can be the first one not taken.)
        await bobEvents.WaitFor<InputRejected>(r => r.Reason.Contains("not taken") && r.Remote.Contains(carol.DeviceId.ToString()), Timeout);
        Assert.False(second.Success);
        Assert.DoesNotContain(bobEvents.All<ContactRequestReceived>(), r => r.PeerId == carolId.Id);

        var third = await dave.SendAsync(bobId.Id, "a contact");
        Assert.True(third.Success || third.State == MessageState.Queued, third.Error);
        // Usually 4 s in all; once in three local runs 94 s, dave's request refused by strelaysrv as "already
        // connected" several times over the outbox's growing backoff (not understood yet; see the note on the test above).
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "a contact" && m.PeerId == daveId.Id, Timeout * 5);
    }

    // What adding bob's invite link leaves: his peer and device IDs, and a direct address that does not answer.
    private static void MeetThroughLink(ChatNode sender, ChatNode bob, NodeIdentity bobId)
    {
        sender.Trust.RecordContact(bobId.Id, "bob", $"127.0.0.1:{TestNodes.DeadPort()}", DateTimeOffset.UtcNow);
        sender.Trust.RecordDeviceId(bobId.Id, bob.DeviceId, DateTimeOffset.UtcNow);
    }

    [SyncthingServerFact]
    public async Task APeerReachedThroughTheRelay_MovesToADirectConnection_OnceItsAddressAnswers_AndTheTableSaysSo()
    {
        using var aliceId = NodeIdentity.CreateEphemeral();
        using var bobId = NodeIdentity.CreateEphemeral();
        using var aliceEvents = new EventWaiter();
        using var bobEvents = new EventWaiter();
        // Short retries, so the test does not wait for the default 15 s; the backoff is the same.
        Func<NodeOptions, NodeOptions> quickRetry = o => o with
        {
            DirectRetryInitialDelay = TimeSpan.FromMilliseconds(300),
            DirectRetryMaxDelay = TimeSpan.FromSeconds(2),
        };
        var alice = await StartNodeAsync("alice", aliceEvents, aliceId, quickRetry);
        var bob = await StartNodeAsync("bob", bobEvents, bobId, quickRetry);
        // Alice knows bob only at the address of a port forward that is not open yet: bob is behind a closed NAT.
        var door = TestNodes.DeadPort();
        alice.Trust.RecordContact(bobId.Id, "bob", $"127.0.0.1:{door}", DateTimeOffset.UtcNow);
        alice.Trust.RecordDeviceId(bobId.Id, bob.DeviceId, DateTimeOffset.UtcNow);

        var relayed = await alice.SendAsync(bobId.Id, "through the relay");

        Assert.True(relayed.Success, relayed.Error);
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "through the relay", Timeout);
        var row = Assert.Single(alice.Peers.Snapshot(), p => p.Id == bobId.Id);
        Assert.Equal(PeerReach.Relayed, LocalNetworks.ReachOf(row.Key));
        // The relayed key did not take the place of the direct address alice keeps trying.
        Assert.Equal($"127.0.0.1:{door}", alice.Trust.Find(bobId.Id)?.LastAddress);

        // The forward opens (bob's router, a network change): alice's next direct try gets through.
        await using var forward = TcpRelay.Start(bob.Port, listenPort: door);
        // (Filed under the port bob says he listens on, as every dialled peer is.)
        var direct = await aliceEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == bobId.Id && LocalNetworks.ReachOf(c.Address) != PeerReach.Relayed, Timeout);
        await aliceEvents.WaitFor<PeerRemoved>(r => r.Peer.Id == bobId.Id && LocalNetworks.ReachOf(r.Peer.Key) == PeerReach.Relayed, Timeout);
        await bobEvents.WaitFor<PeerRemoved>(r => r.Peer.Id == aliceId.Id && LocalNetworks.ReachOf(r.Peer.Key) == PeerReach.Relayed, Timeout);

        var sent = await alice.SendAsync(bobId.Id, "directly now");
        var back = await bob.SendAsync(aliceId.Id, "and back, directly");

        Assert.True(sent.Success && back.Success, sent.Error ?? back.Error);
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "directly now", Timeout);
        await aliceEvents.WaitFor<MessageReceived>(m => m.Text == "and back, directly", Timeout);
        var delivered = await aliceEvents.WaitFor<MessageDelivered>(d => d.PeerId == bobId.Id && d.To == direct.Address, Timeout);
        Assert.Equal(delivered.To, Assert.Single(alice.Peers.Snapshot(), p => p.Id == bobId.Id).Key);
        Assert.Equal(PeerReach.Lan, LocalNetworks.ReachOf(delivered.To)); // 127.0.0.1 is this machine
        Assert.DoesNotContain(bob.Peers.Snapshot(), p => p.Id == aliceId.Id && LocalNetworks.ReachOf(p.Key) == PeerReach.Relayed);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 calls IAsyncLifetime, not IAsyncDisposable, on test classes: the servers must stop here.
    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
            await owned.DisposeAsync();
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
            output.WriteLine(_relay.Output);
        }
        _temp.Dispose();
    }
}
