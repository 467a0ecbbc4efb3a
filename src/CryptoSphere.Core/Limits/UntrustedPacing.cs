using System.Diagnostics;
using System.Runtime.CompilerServices;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Core.Limits;

/// <summary>
/// How fast peers that are not trusted may make the node store and show messages and apply acknowledgements:
/// token buckets per session, and one set shared by every such session (IDs cost nothing to make, so a stranger
/// with many sessions is bounded only by the shared set). Over the rate the session's reader waits, so TCP
/// slows the sender; nothing is dropped. The budgets bound memory; this bounds the CPU and disk strangers can
/// take from everyone else (a flood of small frames cost a friend 60x its round trip without it, a flood of
/// ACKs 3x). Trusted peers are not paced: their speed is the user's to allow. The buckets keep no timer
/// (<see cref="OnDemandBucket"/>): a session's go with it, and an idle one costs nothing.
/// </summary>
internal sealed class UntrustedPacing
{
    // Trust is read from the database at most this often per session: a flood must not become a flood of queries.
    // A peer just trusted is unpaced within this time; a peer blocked is cut off by its session closing.
    private static readonly long TrustRecheck = Stopwatch.Frequency;

    private readonly TrustStore _trust;
    private readonly Rates _perSession;
    private readonly Buckets _all;

    // Sessions end without telling this class: the table lets their state go with them.
    private readonly ConditionalWeakTable<SecureSession, SessionPace> _sessions = new();
    private ConditionalWeakTable<SecureSession, SessionPace>.CreateValueCallback? _newPace;

    public UntrustedPacing(TrustStore trust, Rates perSession, Rates all, int maxFrameBytes)
    {
        _trust = trust;
        _perSession = perSession with { MaxFrameBytes = maxFrameBytes };
        _all = new Buckets(all with { MaxFrameBytes = maxFrameBytes });
    }

    /// <summary>Messages, bytes of text and acknowledgements a second; 0 leaves that one unbounded.</summary>
    public readonly record struct Rates(int MessagesPerSecond, long BytesPerSecond, int AcksPerSecond = 0, int MaxFrameBytes = 0);

    /// <summary>Waits until <paramref name="session"/>'s peer may deliver one more message of <paramref name="chars"/> characters.</summary>
    public async ValueTask WaitAsync(SecureSession session, PeerId peer, int chars, CancellationToken token = default)
    {
        if (PaceOf(session, peer) is not { } own)
            return;
        await own.WaitAsync(chars, token).ConfigureAwait(false);
        await _all.WaitAsync(chars, token).ConfigureAwait(false);
    }

    /// <summary>Waits until <paramref name="session"/>'s peer may have one more acknowledgement applied.</summary>
    public ValueTask WaitForAckAsync(SecureSession session, PeerId peer, CancellationToken token = default)
    {
        if (_all.Acks is null && _perSession.AcksPerSecond <= 0 || PaceOf(session, peer) is not { } own)
            return ValueTask.CompletedTask;
        return BothAsync(own, token);

        async ValueTask BothAsync(Buckets own, CancellationToken token)
        {
            if (own.Acks is { } mine)
                await mine.WaitAsync(1, token).ConfigureAwait(false);
            if (_all.Acks is { } shared)
                await shared.WaitAsync(1, token).ConfigureAwait(false);
        }
    }

    // The session's buckets, or null when its peer is trusted (checked again once a second).
    private Buckets? PaceOf(SecureSession session, PeerId peer)
    {
        // Looked up for every message and ACK: the factory is created once, not a closure per call.
        var pace = _sessions.GetValue(session, _newPace ??= _ => new SessionPace(new Buckets(_perSession)));
        var now = Stopwatch.GetTimestamp();
        if (now - Volatile.Read(ref pace.CheckedAt) > TrustRecheck)
        {
            pace.Trusted = _trust.StateOf(peer) == TrustState.Trusted;
            Volatile.Write(ref pace.CheckedAt, now);
        }
        return pace.Trusted ? null : pace.Own;
    }

    /// <summary>The limiters behind <paramref name="session"/>'s buckets, for a test that they go with it.</summary>
    internal IReadOnlyList<object> LimitersForTests(SecureSession session) =>
        _sessions.TryGetValue(session, out var pace) ? pace.Own.Limiters : [];

    private sealed class SessionPace(Buckets own)
    {
        public Buckets Own { get; } = own;

        public long CheckedAt = long.MinValue / 2;

        public volatile bool Trusted;
    }

    private sealed class Buckets(Rates rates)
    {
        private readonly OnDemandBucket? _messages = rates.MessagesPerSecond > 0 ? new(rates.MessagesPerSecond, rates.MessagesPerSecond) : null;

        // One largest message always fits the byte bucket, or it could never pass.
        private readonly int _byteBurst = (int)Math.Min(Math.Max(rates.BytesPerSecond, rates.MaxFrameBytes * 2L), int.MaxValue);

        private OnDemandBucket? Bytes => field ??= rates.BytesPerSecond > 0 ? new((int)Math.Min(rates.BytesPerSecond, int.MaxValue), _byteBurst) : null;

        public OnDemandBucket? Acks { get; } = rates.AcksPerSecond > 0 ? new(rates.AcksPerSecond, rates.AcksPerSecond) : null;

        public IReadOnlyList<object> Limiters =>
            new[] { _messages, Bytes, Acks }.OfType<OnDemandBucket>().Select(b => b.LimiterForTests).ToList();

        public async ValueTask WaitAsync(int chars, CancellationToken token)
        {
            if (_messages is { } messages)
                await messages.WaitAsync(1, token).ConfigureAwait(false);
            if (Bytes is { } bytes)
            {
                // Text arrives as UTF-8 of at most the frame size; a message's cost is capped there so it always fits.
                var cost = (int)Math.Min((long)chars * 2, _byteBurst);
                await bytes.WaitAsync(Math.Max(cost, 1), token).ConfigureAwait(false);
            }
        }
    }
}
