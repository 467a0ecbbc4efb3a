using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Peers;

/// <summary>
/// Every message refreshes its peer; those refreshes are shown at most once per check interval per peer, and the
/// peer's latest state always follows (PeerTableRecorder).
/// </summary>
public sealed class PeerRefreshTests
{
    [Fact]
    public async Task A_burst_from_one_peer_is_shown_as_few_refreshes_ending_with_its_latest_state()
    {
        var events = new EventWaiter();
        // Long enough that the burst fits in one or two intervals even on a loaded machine.
        var interval = TimeSpan.FromSeconds(10);
        await using var node = await TestNodes.StartAsync("bob", events, o => o with { InactivityCheckInterval = interval });
        var headerPort = TestNodes.DeadPort();

        for (var i = 1; i <= 6; i++)
        {
            await RawLegacyPeer.SendAsync(node.Port, $"<127.0.0.1:{headerPort}> @ <old>\nmessage {i}\n<end>");
            await events.WaitFor<MessageReceived>(m => m.Text == $"message {i}");
        }

        var latest = await events.WaitFor<PeerUpdated>(u => u.Peer.MessageCount == 6, interval * 3);
        Assert.Equal("old", latest.Peer.Name);
        Assert.Single(events.All<PeerAdded>());
        // One per message before (5); now the held ones of each interval are shown once, on its tick.
        Assert.InRange(events.All<PeerUpdated>().Count, 1, 3);
    }

    [Fact]
    public async Task A_held_refresh_is_shown_within_an_interval_though_the_idle_monitor_ticks_a_minute_apart()
    {
        var events = new EventWaiter();
        // An hour's timeout: the monitor sweeps once a minute while nothing is held, and must tick sooner for a held refresh.
        await using var node = await TestNodes.StartAsync("bob", events, o => o with
        {
            InactivityCheckInterval = TimeSpan.FromMilliseconds(200),
            InactivityTimeout = TimeSpan.FromHours(1),
        });
        var headerPort = TestNodes.DeadPort();
        for (var i = 1; i <= 3; i++)
        {
            await RawLegacyPeer.SendAsync(node.Port, $"<127.0.0.1:{headerPort}> @ <old>\nmessage {i}\n<end>");
            await events.WaitFor<MessageReceived>(m => m.Text == $"message {i}");
        }

        var latest = await events.WaitFor<PeerUpdated>(u => u.Peer.MessageCount == 3, TimeSpan.FromSeconds(20));
        Assert.Equal("old", latest.Peer.Name);
    }

    [Fact]
    public async Task A_new_name_is_shown_at_once_even_within_the_interval()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events, o => o with { InactivityCheckInterval = TimeSpan.FromMinutes(5) });
        var headerPort = TestNodes.DeadPort();

        await RawLegacyPeer.SendAsync(node.Port, $"<127.0.0.1:{headerPort}> @ <first>\none\n<end>");
        await events.WaitFor<PeerAdded>();
        await RawLegacyPeer.SendAsync(node.Port, $"<127.0.0.1:{headerPort}> @ <renamed>\ntwo\n<end>");

        var renamed = await events.WaitFor<PeerUpdated>(timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(("renamed", 2L), (renamed.Peer.Name, renamed.Peer.MessageCount));
    }
}
