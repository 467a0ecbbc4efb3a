using CryptoSphere.Core.Node;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Peers;

/// <summary>
/// Turns changes of the peer table into events, saves peers that came or went, and drops peers silent for
/// longer than the inactivity timeout.
/// </summary>
internal sealed class PeerTableRecorder
{
    private readonly NodeRuntime _node;
    private readonly ILogger _log;
    private Task? _monitor;

    public PeerTableRecorder(NodeRuntime node)
    {
        _node = node;
        _log = node.Logger<PeerTableRecorder>();
        node.Peers.Changed += OnChanged;
    }

    public Task Completion => _monitor ?? Task.CompletedTask;

    public void StartInactivityMonitor() => _monitor = Task.Run(MonitorInactivityAsync);

    private async Task MonitorInactivityAsync()
    {
        using var timer = new PeriodicTimer(_node.Options.InactivityCheckInterval, _node.Clock);
        using var stop = timer.StopOn(_node.Stopping);
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false))
            _node.Peers.RemoveSilentSince(_node.Now - _node.Options.InactivityTimeout);
    }

    private void OnChanged(PeerChange change)
    {
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
