using System.Threading.RateLimiting;

namespace CryptoSphere.Core.Limits;

/// <summary>
/// A token bucket (the platform's <see cref="TokenBucketRateLimiter"/>) refilled from the time that passed whenever a
/// permit is asked for, and by a loop that runs only while someone waits in its queue.
/// </summary>
/// <remarks>
/// Why not the limiter's own AutoReplenishment: it starts a timer per limiter that fires ten times a second for as
/// long as the process lives (the timer queue holds the limiter, so neither is ever collected). The node made two
/// per session, trusted or not, and kept them after the session ended: an idle two-node pair spent 4-5 ms/s of CPU
/// on them, the hundred members of the fan-out bench most of their 750-900 ms/s between rounds, and a stranger
/// opening sessions in a loop could add timers without end.
/// The limiter, told to replenish, adds what the elapsed time is worth (capped at its limit). A full bucket does not
/// move its clock, so the first permits after a long idle spell may find it refilled at once: at most one extra
/// permit per caller racing on the same instant, never an unbounded burst.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "Without AutoReplenishment the limiter holds no timer and nothing unmanaged; it goes with the session that made it")]
internal sealed class OnDemandBucket
{
    private readonly TokenBucketRateLimiter _limiter;
    private readonly TimeSpan _period;

    // 1 while a refill loop runs; at most one per bucket.
    private int _refilling;

    /// <param name="perSecond">Permits a second.</param>
    /// <param name="burst">Permits that may pass at once (and the most that may wait in the queue).</param>
    public OnDemandBucket(int perSecond, int burst)
    {
        // Refilled in steps of up to a tenth of a second while someone waits (less often for rates under ten, so
        // the rate stays exact).
        var refills = Math.Min(perSecond, 10);
        _period = TimeSpan.FromSeconds(1.0 / refills);
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond / refills,
            ReplenishmentPeriod = _period,
            QueueLimit = burst,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = false,
        });
    }

    /// <summary>Whether a refill loop runs: only while someone waits (tests read it).</summary>
    internal bool Refilling => Volatile.Read(ref _refilling) == 1;

    /// <summary>The limiter itself, for a test that it is collected with its owner.</summary>
    internal object LimiterForTests => _limiter;

    /// <summary>Waits until <paramref name="permits"/> may pass; in arrival order while the bucket is empty.</summary>
    public async ValueTask WaitAsync(int permits, CancellationToken token)
    {
        while (true)
        {
            _limiter.TryReplenish();
            var pending = _limiter.AcquireAsync(permits, token);
            if (!pending.IsCompleted)
                StartRefilling();
            using var lease = await pending.ConfigureAwait(false);
            if (lease.IsAcquired)
                return;
            // Refused outright: the queue is full (many sessions wait on a shared bucket). Asked again after the
            // limiter's hint; never let through unpaced.
            var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : _period;
            await Task.Delay(wait, token).ConfigureAwait(false);
        }
    }

    private void StartRefilling()
    {
        if (Interlocked.Exchange(ref _refilling, 1) == 0)
            _ = RefillAsync();
    }

    private async Task RefillAsync()
    {
        while (true)
        {
            do
            {
                await Task.Delay(_period).ConfigureAwait(false);
                _limiter.TryReplenish();
            }
            while (Waiting > 0);
            Volatile.Write(ref _refilling, 0);
            // A waiter that queued after the last look, while the flag was still set, did not start a loop: go on for it,
            // unless a new loop has started since.
            if (Waiting == 0 || Interlocked.Exchange(ref _refilling, 1) != 0)
                return;
        }
    }

    private long Waiting => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;
}
