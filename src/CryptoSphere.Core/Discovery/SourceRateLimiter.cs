using System.Collections.Concurrent;
using System.Net;

namespace CryptoSphere.Core.Discovery;

/// <summary>At most N datagrams per source address per window; the rest are dropped, so a flood costs little.</summary>
internal sealed class SourceRateLimiter(int perWindow, TimeSpan window, TimeProvider clock)
{
    private readonly ConcurrentDictionary<IPAddress, (long WindowStart, int Count)> _sources = new();

    public bool Allow(IPAddress source)
    {
        var now = clock.GetTimestamp();
        var windowTicks = (long)(window.TotalSeconds * clock.TimestampFrequency);
        var state = _sources.AddOrUpdate(source,
            _ => (now, 1),
            (_, s) => now - s.WindowStart > windowTicks ? (now, 1) : (s.WindowStart, s.Count + 1));
        if (_sources.Count > 10_000)
            _sources.Clear(); // bounded memory under a spoofed-source flood
        return state.Count <= perWindow;
    }
}
