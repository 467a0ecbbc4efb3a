using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>A message queued for an address nobody answered at must not later go out in plaintext to a CryptoSphere node.</summary>
public sealed class NeverPlaintextTests
{
    [Fact]
    public async Task A_message_queued_for_an_unknown_address_goes_over_tls_when_a_node_appears_there()
    {
        var port = TestNodes.DeadPort();
        await using var alice = await TestNodes.StartAsync("alice", null, o => o with
        {
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
            OutboxCheckInterval = TimeSpan.FromMilliseconds(100),
        });

        var queued = await alice.SendAsync(new PeerKey(TestNodes.Loopback, port), "who is there?");
        Assert.Equal(MessageState.Queued, queued.State);

        var bobEvents = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { Port = port, StrictPort = true });

        var received = await bobEvents.WaitFor<MessageReceived>(m => m.Text == "who is there?", TimeSpan.FromSeconds(20));
        Assert.Equal(PeerProtocol.Secure, received.Protocol);
        Assert.Equal(alice.Identity.Id, received.PeerId);
        await Eventually.HoldsAsync(() => alice.Store.Outbox().Count == 0, "alice's outbox empties once bob acknowledges");
        Assert.Equal(MessageState.Delivered, Assert.Single(alice.Store.History(null, 10)).State);
    }
}
