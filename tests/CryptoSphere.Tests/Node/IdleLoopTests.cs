using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// Loops that poll the store slow down while it has nothing for them (an idle node wakes seldom), and what this process
/// queues wakes them at once, so nothing it queued waits out the longer interval.
/// </summary>
public sealed class IdleLoopTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void An_idle_loop_waits_twice_as_long_each_pass_up_to_its_limit_and_work_brings_it_back()
    {
        var backoff = new IdleBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        Assert.Equal([1, 2, 4, 8, 8], Enumerable.Range(0, 5).Select(_ => backoff.Next(found: false).TotalSeconds));
        Assert.Equal(1, backoff.Next(found: true).TotalSeconds);
        Assert.Equal(2, backoff.Next(found: false).TotalSeconds);
    }

    [Theory]
    [InlineData(600, 1, 10)] // the default inactivity timeout: swept every 10 s, not every second
    [InlineData(86_400, 1, 60)] // a day: at most a minute
    [InlineData(3, 1, 1)] // shorter than sixty check intervals: the check interval
    public void A_deadline_timer_ticks_at_a_sixtieth_of_its_deadline_within_its_bounds(int deadline, int atLeast, int expected) =>
        Assert.Equal(expected, IdleBackoff.TickFor(TimeSpan.FromSeconds(deadline), TimeSpan.FromSeconds(atLeast)).TotalSeconds);

    [Fact]
    public async Task A_message_queued_while_the_outbox_loop_idles_wakes_it_at_once()
    {
        // Both intervals far longer than the test: only a wake-up can bring the next pass.
        await using var alice = await StoredNode.StartAsync("alice", _dir.Path, configure: o => o with
        {
            OutboxCheckInterval = TimeSpan.FromMinutes(10),
            IdleCheckInterval = TimeSpan.FromMinutes(10),
        });
        var outbox = alice.Node.OutboxForTests;
        var groups = outbox.AfterPass;
        var passes = 0;
        outbox.AfterPass = async () =>
        {
            Interlocked.Increment(ref passes);
            return groups is not null && await groups();
        };
        outbox.Kick();
        // At least one: the start's own pass may run after the hook is set, and a kick during a pass brings one more.
        await Eventually.HoldsAsync(() => Volatile.Read(ref passes) >= 1, "a pass over the empty outbox", Long);
        var before = Volatile.Read(ref passes);

        // An address where nothing listens: the message waits in the outbox.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var sent = await alice.Node.SendAsync(new PeerKey(TestNodes.Loopback, ((IPEndPoint)closed.LocalEndPoint!).Port), "later");
        Assert.Equal(MessageState.Queued, sent.State);

        await Eventually.HoldsAsync(() => Volatile.Read(ref passes) > before, "the queued message woke the idle loop", Long);
    }
}
