using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Discovery;

/// <summary>
/// Dials a peer can make this node open by what it sends (addresses in its GROUP_STATE or PEERS frames):
/// at most N per peer per window, from a table of fixed size that is never flushed (peers beyond it share one
/// allowance). A peer inventing thousands of members cannot turn the node into a port scanner.
/// </summary>
internal sealed class DialBudget(int perWindow, TimeSpan window, TimeProvider clock, int maxPeers = 1024)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (long Start, int Count)> _peers = new(StringComparer.Ordinal);
    private (long Start, int Count) _shared;
    private long _refused;

    /// <summary>Dials refused so far because their cause had spent its budget.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public bool Allow(PeerId causedBy)
    {
        var now = clock.GetTimestamp();
        var windowTicks = (long)(window.TotalSeconds * clock.TimestampFrequency);
        lock (_gate)
        {
            if (!_peers.ContainsKey(causedBy.Value) && _peers.Count >= maxPeers)
            {
                foreach (var (key, state) in _peers)
                {
                    if (now - state.Start > windowTicks)
                        _peers.Remove(key);
                }
            }
            bool allowed;
            if (!_peers.TryGetValue(causedBy.Value, out var known) && _peers.Count >= maxPeers)
            {
                _shared = now - _shared.Start > windowTicks ? (now, 1) : (_shared.Start, _shared.Count + 1);
                allowed = _shared.Count <= perWindow;
            }
            else
            {
                var state = known.Start != 0 && now - known.Start <= windowTicks ? (known.Start, known.Count + 1) : (now, 1);
                _peers[causedBy.Value] = state;
                allowed = state.Item2 <= perWindow;
            }
            if (!allowed)
                _refused++;
            return allowed;
        }
    }
}
