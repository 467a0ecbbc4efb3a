using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Core.Limits;

/// <summary>
/// How fast peers that are not trusted may make the node store and show messages: token buckets for messages
/// and bytes per session, and one pair shared by every such session (IDs cost nothing to make, so a stranger
/// with many sessions is bounded only by the shared pair). Over the rate the session's reader waits, so TCP
/// slows the sender; nothing is dropped. The budgets bound memory; this bounds the CPU and disk strangers can
/// take from everyone else (a flood of small frames cost a friend 60x its round trip without it). Trusted
/// peers are not paced: their speed is the user's to allow.
/// </summary>
internal sealed class UntrustedPacing
{
    private readonly TrustStore _trust;
    private readonly Rates _perSession;
    private readonly Buckets _all;

    // Sessions end without telling this class: the table lets their buckets go with them.
    private readonly ConditionalWeakTable<SecureSession, Buckets> _sessions = new();

    public UntrustedPacing(TrustStore trust, Rates perSession, Rates all, int maxFrameBytes)
    {
        _trust = trust;
        _perSession = perSession with { MaxFrameBytes = maxFrameBytes };
        _all = new Buckets(all with { MaxFrameBytes = maxFrameBytes });
    }

    /// <summary>Messages and bytes a second; 0 leaves that one unbounded.</summary>
    public readonly record struct Rates(int MessagesPerSecond, long BytesPerSecond, int MaxFrameBytes = 0);

    public bool Enabled => _perSession.MessagesPerSecond > 0 || _perSession.BytesPerSecond > 0 || _all.Any;

    /// <summary>Waits until <paramref name="session"/>'s peer may deliver one more message of <paramref name="chars"/> characters.</summary>
    public async ValueTask WaitAsync(SecureSession session, PeerId peer, int chars, CancellationToken token = default)
    {
        if (!Enabled || _trust.StateOf(peer) == TrustState.Trusted)
            return;
        var own = _sessions.GetValue(session, _ => new Buckets(_perSession));
        await own.WaitAsync(chars, token).ConfigureAwait(false);
        await _all.WaitAsync(chars, token).ConfigureAwait(false);
    }

    private sealed class Buckets(Rates rates)
    {
        private readonly TokenBucketRateLimiter? _messages = rates.MessagesPerSecond > 0 ? Bucket(rates.MessagesPerSecond, rates.MessagesPerSecond) : null;

        // One largest message always fits the byte bucket, or it could never pass.
        private readonly int _byteBurst = (int)Math.Min(Math.Max(rates.BytesPerSecond, rates.MaxFrameBytes * 2L), int.MaxValue);

        private TokenBucketRateLimiter? Bytes => field ??= rates.BytesPerSecond > 0 ? Bucket((int)Math.Min(rates.BytesPerSecond, int.MaxValue), _byteBurst) : null;

        public bool Any => _messages is not null || rates.BytesPerSecond > 0;

        public async ValueTask WaitAsync(int chars, CancellationToken token)
        {
            if (_messages is { } messages)
                await AcquireAsync(messages, 1, token).ConfigureAwait(false);
            if (Bytes is { } bytes)
            {
                // Text arrives as UTF-8 of at most the frame size; a message's cost is capped there so it always fits.
                var cost = (int)Math.Min((long)chars * 2, _byteBurst);
                await AcquireAsync(bytes, Math.Max(cost, 1), token).ConfigureAwait(false);
            }
        }

        // A lease refused (the queue is full: many sessions wait on the shared bucket) is asked for again after
        // the limiter's hint; it never lets the message pass unpaced.
        private static async ValueTask AcquireAsync(TokenBucketRateLimiter bucket, int permits, CancellationToken token)
        {
            while (true)
            {
                using var lease = await bucket.AcquireAsync(permits, token).ConfigureAwait(false);
                if (lease.IsAcquired)
                    return;
                var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMilliseconds(100);
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(100), token).ConfigureAwait(false);
            }
        }

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
