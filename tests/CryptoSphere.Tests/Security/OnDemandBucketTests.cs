using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Limits;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>
/// The pacing buckets refill from elapsed time, not from a timer: a bucket (one per session and kind) costs nothing
/// while idle and goes with its session. With the platform's AutoReplenishment each kept a timer firing ten times a
/// second for the life of the process.
/// </summary>
public sealed class OnDemandBucketTests
{
    [Fact]
    public async Task A_used_bucket_keeps_no_timer_and_is_collected_with_its_owner()
    {
        var limiter = await UseAndDropAsync();

        // A limiter with a timer is held by the process's timer queue for ever, ticking.
        await Collected.AllAsync([limiter], "the bucket's limiter is still reachable after its owner let it go");
    }

    [Fact]
    public async Task A_strangers_session_that_ended_leaves_no_pacing_behind()
    {
        // The node's pacing, as NodeRuntime makes it: a stranger's messages and ACKs give its session its own buckets.
        var pacing = new UntrustedPacing(TrustStore.InMemory(), new(200, 1 << 20, 2000), new(1000, 4 << 20, 10_000), 1 << 20);

        var limiters = await PaceOneSessionAsync(pacing);

        // Before: two timers firing ten times a second for each such session, for the life of the process.
        await Collected.AllAsync(limiters, "a limiter of a session that ended is still reachable");
    }

    [Fact]
    public async Task Permits_past_the_burst_wait_at_the_rate_and_the_refill_stops_once_they_are_served()
    {
        // Ten a second, five at once: the sixth to the tenth need at least 0.4 s more, whatever the machine.
        var bucket = new OnDemandBucket(perSecond: 10, burst: 5);
        for (var i = 0; i < 5; i++)
            Assert.True(bucket.WaitAsync(1, default).AsTask().IsCompletedSuccessfully, $"permit {i} of the burst had to wait");
        Assert.False(bucket.Refilling);

        // Not asserted: the order in which they finish. The queue is the platform's (OldestFirst), and permits granted
        // by one refill step (two after a stall of the machine) resume side by side on the thread pool.
        var clock = Stopwatch.StartNew();
        var waits = Enumerable.Range(0, 5).Select(_ => bucket.WaitAsync(1, default).AsTask()).ToList();
        Assert.True(bucket.Refilling, "permits are waiting and nothing refills the bucket");
        await Task.WhenAll(waits).WaitAsync(EventWaiter.DefaultTimeout);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.35), $"five permits past the burst passed in {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.All(waits, w => Assert.True(w.IsCompletedSuccessfully));
        await Eventually.HoldsAsync(() => !bucket.Refilling, "the refill loop stopped once nobody waited");
    }

    [Fact]
    public async Task More_waiters_than_the_queue_holds_are_all_served_and_none_passes_unpaced()
    {
        // A hundred a second, ten at once, ten in the queue: sixty waiters, fifty past the burst, need 0.5 s at least;
        // the forty the queue has no room for are refused and ask again after the limiter's hint.
        var bucket = new OnDemandBucket(perSecond: 100, burst: 10);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => bucket.WaitAsync(1, default).AsTask())).WaitAsync(EventWaiter.DefaultTimeout);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.45), $"sixty permits at 100/s with a burst of 10 passed in {clock.Elapsed.TotalMilliseconds:0} ms");
        await Eventually.HoldsAsync(() => !bucket.Refilling, "the refill loop stopped once nobody waited");
    }

    [Fact]
    public async Task A_waiter_that_gives_up_leaves_the_queue_and_the_next_is_served()
    {
        var bucket = new OnDemandBucket(perSecond: 1, burst: 1);
        await bucket.WaitAsync(1, default);
        using var giveUp = new CancellationTokenSource();
        var abandoned = bucket.WaitAsync(1, giveUp.Token).AsTask();
        var next = bucket.WaitAsync(1, default).AsTask();
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await next.WaitAsync(EventWaiter.DefaultTimeout);
        await Eventually.HoldsAsync(() => !bucket.Refilling, "the refill loop stopped once nobody waited");
    }

    // Not inlined: the session must not stay alive in the test method's own frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<List<WeakReference>> PaceOneSessionAsync(UntrustedPacing pacing)
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var session = new SecureSession(Stream.Null, identity.Id, new IPEndPoint(IPAddress.Loopback, 1), false, FrameCodec.DefaultMaxFrameBytes,
            TimeProvider.System);
        await pacing.WaitAsync(session, identity.Id, 100);
        await pacing.WaitForAckAsync(session, identity.Id);
        var limiters = pacing.LimitersForTests(session);
        Assert.Equal(3, limiters.Count); // messages, bytes, acknowledgements
        return limiters.Select(l => new WeakReference(l)).ToList();
    }

    // Not inlined: the bucket must not stay alive in the test method's own frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> UseAndDropAsync()
    {
        var bucket = new OnDemandBucket(perSecond: 100, burst: 2);
        for (var i = 0; i < 5; i++)
            await bucket.WaitAsync(1, default);
        await Eventually.HoldsAsync(() => !bucket.Refilling, "the refill loop stopped once nobody waited");
        return new WeakReference(bucket.LimiterForTests);
    }
}
