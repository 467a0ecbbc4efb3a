using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>
/// A peer that is not trusted delivers at most its paced rate (the flood of small frames of issue 12); a trusted
/// peer sending at the same time is not slowed. Nothing is dropped: the stranger's messages all arrive, later.
/// </summary>
public sealed class UntrustedPacingTests
{
    [Fact]
    public async Task A_stranger_is_paced_while_a_trusted_peer_at_the_same_time_is_not_and_nothing_is_lost()
    {
        var events = new EventWaiter();
        // One message a second for strangers: ten need at least eight seconds, whatever the machine.
        await using var target = await TestNodes.StartAsync("target", events, o => o with { UntrustedMessagesPerSecond = 1 });
        await using var friend = await TestNodes.StartAsync("friend");
        await using var stranger = await TestNodes.StartAsync("stranger");
        target.TrustPeer(friend.Identity.Id);

        var sends = new List<Task>();
        for (var i = 0; i < 10; i++)
        {
            Assert.True((await stranger.SendAsync(TestNodes.KeyOf(target), $"stranger {i}")).Success);
            Assert.True((await friend.SendAsync(TestNodes.KeyOf(target), $"friend {i}")).Success);
        }

        await events.WaitFor<MessageReceived>(m => m.Text == "friend 9", TimeSpan.FromSeconds(60));
        var fromStranger = events.All<MessageReceived>().Count(m => m.Text.StartsWith("stranger", StringComparison.Ordinal));
        Assert.True(fromStranger <= 5, $"the stranger had {fromStranger} of 10 messages shown by the time the friend's 10 were");

        await events.WaitFor<MessageReceived>(m => m.Text == "stranger 9", TimeSpan.FromSeconds(60));
        Assert.Equal(10, events.All<MessageReceived>().Count(m => m.Text.StartsWith("stranger", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Many_strangers_together_are_held_to_the_shared_pace_and_nothing_is_lost()
    {
        var events = new EventWaiter();
        // Each stranger alone could deliver 1,000 a second; together they may deliver one.
        await using var target = await TestNodes.StartAsync("target", events,
            o => o with { UntrustedMessagesPerSecond = 1000, UntrustedTotalMessagesPerSecond = 1 });
        await using var friend = await TestNodes.StartAsync("friend");
        var strangers = new List<ChatNode>();
        try
        {
            for (var s = 0; s < 3; s++)
                strangers.Add(await TestNodes.StartAsync($"stranger{s}"));
            target.TrustPeer(friend.Identity.Id);

            for (var i = 0; i < 4; i++)
            {
                foreach (var (stranger, s) in strangers.Select((n, s) => (n, s)))
                    Assert.True((await stranger.SendAsync(TestNodes.KeyOf(target), $"stranger{s} {i}")).Success);
                Assert.True((await friend.SendAsync(TestNodes.KeyOf(target), $"friend {i}")).Success);
            }

            await events.WaitFor<MessageReceived>(m => m.Text == "friend 3", TimeSpan.FromSeconds(60));
            var early = events.All<MessageReceived>().Count(m => m.Text.StartsWith("stranger", StringComparison.Ordinal));
            Assert.True(early <= 6, $"the strangers had {early} of 12 messages shown by the time the friend's 4 were");

            for (var s = 0; s < 3; s++)
                for (var i = 0; i < 4; i++)
                    await events.WaitFor<MessageReceived>(m => m.Text == $"stranger{s} {i}", TimeSpan.FromSeconds(90));
            Assert.Equal(12, events.All<MessageReceived>().Count(m => m.Text.StartsWith("stranger", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var stranger in strangers)
                await stranger.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_strangers_acknowledgements_are_applied_at_its_pace_so_its_frames_behind_them_wait()
    {
        var events = new EventWaiter();
        // Five acks a second: the 25 sent before a PING hold its PONG back for at least four seconds.
        await using var target = await TestNodes.StartAsync("target", events, o => o with { UntrustedAcksPerSecond = 5 });
        await using var stranger = await RawSecurePeer.ConnectAsync(target.Port);
        await stranger.SendHelloAsync(1, "acker");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == stranger.Id);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 25; i++)
            await stranger.SendAckAsync(Guid.NewGuid());
        await stranger.SendAsync(w => new PingMessage(7).Encode(w, FrameType.Ping));
        await stranger.ReadUntilAsync(FrameType.Pong, TimeSpan.FromSeconds(60));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3.5), $"the PONG came after {clock.Elapsed.TotalSeconds:0.0} s; 25 acks at 5 a second take 4");
    }
}
