using CryptoSphere.Core.Node;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Peers;

/// <summary>
/// Turns changes of the peer table into events, saves peers that came or went, and drops peers silent for
/// longer than the inactivity timeout.
/// </summary>
/// <remarks>
/// Every message refreshes its peer's last-seen time and message count. Such a refresh is shown at once when the
/// peer's last event is older than the check interval; otherwise it is held, and the monitor's next tick shows the
/// peer as it is then: one <see cref="PeerUpdated"/> per peer and interval at most instead of one per message, and
/// the latest state always follows within an interval. Any other change (a new name, protocol or identity) is
/// shown at once.
/// </remarks>
internal sealed class PeerTableRecorder
{
    private readonly NodeRuntime _node;
    private readonly ILogger _log;
    private Task? _monitor;
    // The monitor's timer and its slow period (under _refreshGate).
    private PeriodicTimer? _timer;
    private TimeSpan _sweep;
    private readonly Lock _refreshGate = new();
    // When each peer's last event was shown, and the peers with a refresh held since (both under _refreshGate).
    private readonly Dictionary<PeerKey, long> _shown = [];
    private readonly HashSet<PeerKey> _held = [];

    public PeerTableRecorder(NodeRuntime node)
    {
        _node = node;
        _log = node.Logger<PeerTableRecorder>();
        node.Peers.Changed += OnChanged;
    }

    public Task Completion => _monitor ?? Task.CompletedTask;

    public void StartInactivityMonitor() => _monitor = Task.Run(MonitorInactivityAsync);

    // Ticks every check interval while refreshes are held, else at a sixtieth of the inactivity timeout (10 s by default):
    // a silent peer goes at most that late, and an idle node is not woken every second (docs/BENCHMARKS.md, idle wake-ups).
    private async Task MonitorInactivityAsync()
    {
        var options = _node.Options;
        var sweep = IdleBackoff.TickFor(options.InactivityTimeout, options.InactivityCheckInterval);
        using var timer = new PeriodicTimer(sweep, _node.Clock);
        using var stop = timer.StopOn(_node.Stopping);
        lock (_refreshGate)
        {
            _sweep = sweep;
            _timer = timer;
        }
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            _node.Peers.RemoveSilentSince(_node.Now - options.InactivityTimeout);
            ShowHeld();
        }
        lock (_refreshGate)
            _timer = null;
    }

    // True when the refresh is held for the next tick; otherwise its event goes out now.
    private bool Hold(PeerChange change)
    {
        var key = change.Peer.Key;
        var now = _node.Clock.GetTimestamp();
        lock (_refreshGate)
        {
            if (change.Kind == PeerChangeKind.Removed)
            {
                _shown.Remove(key);
                _held.Remove(key);
                return false;
            }
            if (change.ActivityOnly && _monitor is not null && _shown.TryGetValue(key, out var last)
                                    && _node.Clock.GetElapsedTime(last, now) < _node.Options.InactivityCheckInterval)
            {
                // The first held refresh brings the next tick to within an interval.
                if (_held.Add(key) && _held.Count == 1)
                    SetPeriod(_node.Options.InactivityCheckInterval);
                return true;
            }
            _shown[key] = now;
            _held.Remove(key);
            return false;
        }
    }

    // Under _refreshGate. The timer is disposed as the node stops, before the monitor forgets it.
    private void SetPeriod(TimeSpan period)
    {
        try
        {
            if (_timer is { } timer && timer.Period != period)
                timer.Period = period;
        }
        catch (ObjectDisposedException)
        {
            // Stopping: no more ticks either way.
        }
    }

    private void ShowHeld()
    {
        PeerKey[] keys;
        lock (_refreshGate)
        {
            if (_held.Count == 0)
            {
                SetPeriod(_sweep);
                return;
            }
            keys = [.. _held];
            _held.Clear();
            var now = _node.Clock.GetTimestamp();
            foreach (var key in keys)
                _shown[key] = now;
        }
        foreach (var key in keys)
        {
            if (_node.Peers.Find(key) is { } peer)
                _node.Publish(new PeerUpdated(_node.Now, peer));
        }
    }

    private void OnChanged(PeerChange change)
    {
        if (Hold(change))
            return;
        NodeEvent e = change.Kind switch
        {
            PeerChangeKind.Added => new PeerAdded(_node.Now, change.Peer),
            PeerChangeKind.Removed => new PeerRemoved(_node.Now, change.Peer, change.Reason!.Value),
            _ => new PeerUpdated(_node.Now, change.Peer),
        };
        if (e is PeerRemoved removed)
            NodeLog.PeerRemoved(_log, removed.Peer.Key, removed.Reason);
        if (change.Kind != PeerChangeKind.Updated)
            Save(change.Peer, change.Reason);
        _node.Publish(e);
    }

    /// <summary>Last-seen times and message counts change too often to write each time; the node saves them on stop.</summary>
    public void SaveAll()
    {
        foreach (var peer in _node.Peers.Snapshot())
            Save(peer, null);
    }

    private void Save(Peer peer, PeerRemovalReason? reason)
    {
        try
        {
            _node.Store.SavePeer(peer, reason?.ToString(), reason is null ? null : _node.Now);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            NodeLog.PeerNotRecorded(_log, peer.Key, e.Message);
        }
    }
}
