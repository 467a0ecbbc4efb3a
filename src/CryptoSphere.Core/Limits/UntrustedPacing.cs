using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Core.Limits;

/// <summary>
/// How fast a peer that is not trusted may make the node store and show messages: a token bucket for messages
/// and one for bytes per session. Over the rate the session's reader waits, so TCP slows the sender; nothing is
/// dropped. The budgets bound memory; this bounds the CPU and disk one stranger can take from everyone else (a
/// flood of small frames cost a friend 60x its round trip without it). Trusted peers are not paced: their
/// speed is the user's to allow.
/// </summary>
internal sealed class UntrustedPacing(TrustStore trust, int messagesPerSecond, long bytesPerSecond, int maxFrameBytes)
{
    // Sessions end without telling this class: the table lets their buckets go with them.
    private readonly ConditionalWeakTable<SecureSession, Buckets> _sessions = new();

    public bool Enabled => messagesPerSecond > 0 || bytesPerSecond > 0;

    /// <summary>Waits until <paramref name="session"/>'s peer may deliver one more message of <paramref name="chars"/> characters.</summary>
    public async ValueTask WaitAsync(SecureSession session, PeerId peer, int chars, CancellationToken token = default)
    {
        if (!Enabled || trust.StateOf(peer) == TrustState.Trusted)
            return;
        var buckets = _sessions.GetValue(session, _ => new Buckets(messagesPerSecond, bytesPerSecond, maxFrameBytes));
        if (buckets.Messages is { } messages)
            using (await messages.AcquireAsync(1, token).ConfigureAwait(false)) { }
        if (buckets.Bytes is { } bytes)
        {
            // Text arrives as UTF-8 of at most the frame size; a message's cost is capped there so it always fits the bucket.
            var cost = (int)Math.Min((long)chars * 2, buckets.ByteBurst);
            using (await bytes.AcquireAsync(Math.Max(cost, 1), token).ConfigureAwait(false)) { }
        }
    }

    private sealed class Buckets(int messagesPerSecond, long bytesPerSecond, int maxFrameBytes)
    {
        public TokenBucketRateLimiter? Messages { get; } = messagesPerSecond > 0 ? Bucket(messagesPerSecond, messagesPerSecond) : null;

        public int ByteBurst { get; } = (int)Math.Min(Math.Max(bytesPerSecond, maxFrameBytes * 2L), int.MaxValue);

        public TokenBucketRateLimiter? Bytes => field ??= bytesPerSecond > 0 ? Bucket((int)Math.Min(bytesPerSecond, int.MaxValue), ByteBurst) : null;

        // Refilled up to ten times a second (less often for rates under ten, so the rate stays exact); a burst of up
        // to a second's worth (or one largest message) passes at once.
        private static TokenBucketRateLimiter Bucket(int perSecond, int burst)
        {
            var refills = Math.Min(perSecond, 10);
            return new(new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perSecond / refills,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1.0 / refills),
            QueueLimit = burst,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
    }
}
