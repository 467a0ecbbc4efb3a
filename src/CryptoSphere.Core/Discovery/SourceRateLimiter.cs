using System.Net;

namespace CryptoSphere.Core.Discovery;

/// <summary>
/// At most N datagrams per source address per window; the rest are dropped, so a flood costs little.
/// The table of sources has a fixed size and is never flushed: a source is forgotten only when its window
/// is over. Sources that find the table full share one extra allowance of N per window, so a flood spread
/// over thousands of (spoofed) addresses gets through no more than one more source would.
/// </summary>
internal sealed class SourceRateLimiter(int perWindow, TimeSpan window, TimeProvider clock, int maxSources = 4096)
{
    private readonly object _gate = new();
    private readonly Dictionary<IPAddress, (long WindowStart, int Count)> _sources = new();
    private (long WindowStart, int Count) _overflow;
    private long _lastPrune;

    public int Tracked
    {
        get
        {
            lock (_gate)
                return _sources.Count;
        }
    }

    public bool Allow(IPAddress source)
    {
        var now = clock.GetTimestamp();
        var windowTicks = (long)(window.TotalSeconds * clock.TimestampFrequency);
        lock (_gate)
        {
            if (!_sources.TryGetValue(source, out var state) && _sources.Count >= maxSources)
                Prune(now, windowTicks);
            if (!_sources.ContainsKey(source) && _sources.Count >= maxSources)
            {
                _overflow = now - _overflow.WindowStart > windowTicks ? (now, 1) : (_overflow.WindowStart, _overflow.Count + 1);
                return _overflow.Count <= perWindow;
            }
            state = _sources.TryGetValue(source, out var known) && now - known.WindowStart <= windowTicks
                ? (known.WindowStart, known.Count + 1)
                : (now, 1);
            _sources[source] = state;
            return state.Count <= perWindow;
        }
    }

    // Drops sources whose window is over; at most a few times per window, so a full table costs no scan per datagram.
    private void Prune(long now, long windowTicks)
    {
        if (now - _lastPrune < windowTicks / 8)
            return;
        _lastPrune = now;
        foreach (var (address, state) in _sources)
        {
            if (now - state.WindowStart > windowTicks)
                _sources.Remove(address);
        }
    }
}
