using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// A peer that closes the connection before its HELLO (it blocked this node) is no refusal of this node's. Found from
/// outside: the blocked sender logged "Refused 127.0.0.1:21080 (4UTEWEJ): the peer closed the connection before saying
/// hello", which read as if the sender had refused the receiver.
/// </summary>
public sealed class ClosedByPeerTests
{
    [Fact]
    public async Task The_blocked_side_says_no_session_came_of_it_and_only_the_blocking_side_says_refused()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await bob.BlockPeerAsync(alice.Identity.Id);

        var sent = await alice.SendAsync(TestNodes.KeyOf(bob), "let me in");

        Assert.False(sent.Success);
        var refusedByBob = await bobEvents.WaitFor<PeerRefused>(r => r.PeerId == alice.Identity.Id);
        Assert.False(refusedByBob.ClosedByPeer);
        Assert.StartsWith($"Refused {refusedByBob.Remote} ({alice.Identity.Id.Short}): blocked", EventText.Describe(refusedByBob));
        var closedOnAlice = await aliceEvents.WaitFor<PeerRefused>(r => r.PeerId == bob.Identity.Id);
        Assert.True(closedOnAlice.ClosedByPeer);
        Assert.Equal($"No session with {closedOnAlice.Remote} ({bob.Identity.Id.Short}): the peer closed the connection before saying hello " +
                     "(it may have blocked this node)", EventText.Describe(closedOnAlice));
        Assert.Contains("\"closedByPeer\":true", NodeEventJson.Serialize(closedOnAlice));
    }
}
