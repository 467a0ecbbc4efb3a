using System.Buffers;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #3: a peer sending ACK frames as fast as it can costs the node a fixed number of queued acks.</summary>
public sealed class AckFloodTests
{
    [Fact]
    public async Task An_ack_flood_stops_being_read_at_the_peers_ack_slots_and_a_friend_is_still_served()
    {
        const int slots = 100;
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events, o => o with
        {
            MaxPendingAcksPerPeer = slots,
            // The slots are under test here, not the pace of a stranger's acks (UntrustedPacingTests).
            UntrustedAcksPerSecond = 0,
            UntrustedTotalAcksPerSecond = 0,
        });
        await using var raw = await RawSecurePeer.ConnectAsync(target.Port);
        await raw.SendHelloAsync(1, "acker");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == raw.Id);

        // The store is held, so no acknowledgement is applied while the flood arrives: only the slots bound the queue.
        using var release = new ManualResetEventSlim();
        var holding = Task.Run(() => target.Store.Locked(_ => release.Wait()));
        var output = new ArrayBufferWriter<byte>();
        for (var i = 0; i < 50_000; i++)
            new AckMessage(Guid.NewGuid()).Encode(output);
        var flood = raw.WriteAsync(output.WrittenSpan.ToArray());
        try
        {
            await Eventually.HoldsAsync(() => target.Store.AcknowledgementsQueued >= slots, "the first acks are queued");
            // The flood is far larger than the slots: the session's reader stops at them and waits (an unbounded reader
            // never would), and nothing past them was queued.
            await Eventually.HoldsAsync(() => target.AckReadsWaitingForTests(raw.Id) == 1, "the reader waits for a slot");
            Assert.Equal(slots, target.Store.AcknowledgementsHighWater);
        }
        finally
        {
            release.Set();
            await holding;
        }

        await flood.WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => target.Store.AcknowledgementsQueued == 0, "every ack is applied", TimeSpan.FromSeconds(30));
        Assert.Equal(slots, target.Store.AcknowledgementsHighWater);

        // The flooder was slowed down, not cut off; a friend is served as usual.
        Assert.Contains(raw.Id, target.ConnectedPeerIds);
        await using var friend = await TestNodes.StartAsync("friend");
        var sent = await friend.SendAsync(TestNodes.KeyOf(target), "still here?");
        Assert.True(sent.Success, sent.Error);
        await sent.Delivered!.WaitAsync(EventWaiter.DefaultTimeout);
    }
}
