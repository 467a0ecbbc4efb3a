using System.Net;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Relay;
using CryptoSphere.Tests.Support;
using Xunit.Abstractions;

namespace CryptoSphere.Tests.Relay;

/// <summary>Direct first, and back to direct (issue 15 item 4): a relayed peer moves to a direct connection once one works.</summary>
public sealed class DirectUpgradeTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);
    private readonly TempDirectory _temp = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private SyncthingServer? _relay;

    private async Task<ChatNode> StartNodeAsync(string name, EventWaiter events, NodeIdentity identity)
    {
        _relay ??= await SyncthingServer.StartRelayAsync(_temp.Combine("relay"));
        var node = await TestNodes.StartAsync(name, events, o => o with
        {
            AcrossNetworks = new AcrossNetworksOptions(RelayUrl.Parse(_relay.RelayUrl())),
            RelayConnection = new RelayClientOptions { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) },
            // Short, so the test does not wait for the default 15 s; the backoff is the same.
            DirectRetryInitialDelay = TimeSpan.FromMilliseconds(300),
            DirectRetryMaxDelay = TimeSpan.FromSeconds(2),
        }, identity);
        _owned.Insert(0, node);
        using var joined = new CancellationTokenSource(Timeout);
        await node.RelayClient!.WaitJoinedAsync(joined.Token);
        return node;
    }

    [SyncthingServerFact]
    public async Task APeerReachedThroughTheRelay_MovesToADirectConnection_OnceItsAddressAnswers_AndTheTableSaysSo()
    {
        using var aliceId = NodeIdentity.CreateEphemeral();
        using var bobId = NodeIdentity.CreateEphemeral();
        using var aliceEvents = new EventWaiter();
        using var bobEvents = new EventWaiter();
        var alice = await StartNodeAsync("alice", aliceEvents, aliceId);
        var bob = await StartNodeAsync("bob", bobEvents, bobId);
        // Alice knows bob at the address of a port forward that is not open yet: bob is behind a closed NAT.
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
        await using var forward = PortForward.Open(door, new IPEndPoint(IPAddress.Loopback, bob.Port));
        // (Filed under the port bob says he listens on, as every dialled peer is.)
        var direct = await aliceEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == bobId.Id && LocalNetworks.ReachOf(c.Address) != PeerReach.Relayed, Timeout);
        Assert.True(forward.Connections >= 1); // it came through the opened forward
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
        output.WriteLine($"direct connections through the forward: {forward.Connections}");
    }

    [Fact]
    public void Reach_is_relayed_for_a_relay_key_LAN_for_this_machine_s_subnets_and_direct_elsewhere()
    {
        using var someone = NodeIdentity.CreateEphemeral();

        Assert.Equal(PeerReach.Relayed, LocalNetworks.ReachOf(new PeerKey($"relay~{someone.Id.Value}", 22067)));
        Assert.Equal(PeerReach.Lan, LocalNetworks.ReachOf(new PeerKey("127.0.0.1", 5000)));
        Assert.Equal(PeerReach.Lan, LocalNetworks.ReachOf(new PeerKey("::1", 5000)));
        // TEST-NET-3 is on no machine's interface.
        Assert.Equal(PeerReach.Direct, LocalNetworks.ReachOf(new PeerKey("203.0.113.9", 5000)));
        Assert.Equal(PeerReach.Direct, LocalNetworks.ReachOf(new PeerKey("peer.example", 5000)));
        Assert.Equal(["LAN", "direct", "relayed"], new[] { PeerReach.Lan, PeerReach.Direct, PeerReach.Relayed }.Select(LocalNetworks.Label));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
            await owned.DisposeAsync();
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
            output.WriteLine(_relay.Output);
        }
    }

    public void Dispose() => _temp.Dispose();
}
