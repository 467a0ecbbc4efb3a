using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Peers;

public class PeerTableTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PeerKey Alice = new("10.0.0.1", 5000);
    private static readonly PeerKey Bob = new("10.0.0.2", 5001);

    private readonly PeerTable _table = new();
    private readonly List<PeerChange> _changes = [];

    public PeerTableTests() => _table.Changed += _changes.Add;

    [Fact]
    public void Touch_AddsANewPeer_AndReportsAdded()
    {
        var peer = _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);

        Assert.Equal(new Peer(Alice, "alice", PeerProtocol.Legacy, T0, T0, 1), peer);
        Assert.Equal(peer, _table.Find(Alice));
        Assert.Equal(1, _table.Count);
        var change = Assert.Single(_changes);
        Assert.Equal(PeerChangeKind.Added, change.Kind);
        Assert.Equal(peer, change.Peer);
        Assert.Null(change.Reason);
    }

    [Fact]
    public void Touch_WithoutMessage_AddsWithZeroCount()
    {
        var peer = _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: false);

        Assert.Equal(0, peer.MessageCount);
    }

    [Fact]
    public void Touch_AgainUpdatesCountNameAndLastSeen_AndReportsUpdated()
    {
        _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);

        var later = T0.AddSeconds(30);
        var peer = _table.Touch(Alice, "alice v2", PeerProtocol.Secure, later, countsAsMessage: true);

        Assert.Equal(new Peer(Alice, "alice v2", PeerProtocol.Secure, T0, later, 2), peer);
        Assert.Equal(peer, _table.Find(Alice));
        Assert.Equal(1, _table.Count);
        Assert.Equal([PeerChangeKind.Added, PeerChangeKind.Updated], _changes.Select(c => c.Kind));
        Assert.Equal(peer, _changes[1].Peer);
        Assert.Null(_changes[1].Reason);
    }

    [Fact]
    public void Touch_WithEmptyName_KeepsTheKnownName()
    {
        _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);

        var peer = _table.Touch(Alice, "", PeerProtocol.Legacy, T0.AddSeconds(1), countsAsMessage: false);

        Assert.Equal("alice", peer.Name);
        Assert.Equal(1, peer.MessageCount);
        Assert.Equal(T0.AddSeconds(1), peer.LastSeen);
    }

    [Fact]
    public void Remove_KnownPeer_RemovesAndReportsTheReason()
    {
        var added = _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);
        _table.Touch(Bob, "bob", PeerProtocol.Legacy, T0, countsAsMessage: true);

        Assert.True(_table.Remove(Alice, PeerRemovalReason.Disconnected));

        Assert.Null(_table.Find(Alice));
        Assert.NotNull(_table.Find(Bob));
        Assert.Equal(1, _table.Count);
        var change = _changes[^1];
        Assert.Equal(PeerChangeKind.Removed, change.Kind);
        Assert.Equal(added, change.Peer);
        Assert.Equal(PeerRemovalReason.Disconnected, change.Reason);
    }

    [Fact]
    public void Remove_UnknownPeer_ReturnsFalseAndReportsNothing()
    {
        _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);
        _changes.Clear();

        Assert.False(_table.Remove(Bob, PeerRemovalReason.RemovedByUser));

        Assert.Empty(_changes);
        Assert.Equal(1, _table.Count);
    }

    [Fact]
    public void RemoveSilentSince_RemovesOnlyPeersOlderThanTheCutoff()
    {
        var carol = new PeerKey("10.0.0.3", 5002);
        _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);
        _table.Touch(Bob, "bob", PeerProtocol.Legacy, T0.AddSeconds(10), countsAsMessage: true);
        _table.Touch(carol, "carol", PeerProtocol.Legacy, T0.AddSeconds(5), countsAsMessage: true);
        _changes.Clear();

        var removed = _table.RemoveSilentSince(T0.AddSeconds(5));

        Assert.Equal(1, removed);
        Assert.Null(_table.Find(Alice));
        Assert.NotNull(_table.Find(Bob));
        Assert.NotNull(_table.Find(carol)); // seen exactly at the cutoff: kept
        var change = Assert.Single(_changes);
        Assert.Equal(PeerChangeKind.Removed, change.Kind);
        Assert.Equal(Alice, change.Peer.Key);
        Assert.Equal(PeerRemovalReason.Inactive, change.Reason);
    }

    [Fact]
    public void RemoveSilentSince_KeepsAPeerRefreshedAfterItWasOld()
    {
        _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);
        _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0.AddSeconds(20), countsAsMessage: true);

        Assert.Equal(0, _table.RemoveSilentSince(T0.AddSeconds(10)));
        Assert.NotNull(_table.Find(Alice));
    }

    [Fact]
    public void Snapshot_IsOrderedByFirstSeen_AndIsACopy()
    {
        _table.Touch(Bob, "bob", PeerProtocol.Legacy, T0.AddSeconds(1), countsAsMessage: true);
        _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);

        var snapshot = _table.Snapshot();
        _table.Remove(Alice, PeerRemovalReason.RemovedByUser);

        Assert.Equal([Alice, Bob], snapshot.Select(p => p.Key));
        Assert.Equal([Bob], _table.Snapshot().Select(p => p.Key));
    }

    [Fact]
    public async Task Touch_FromManyThreads_CountsEveryMessage()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
                _table.Touch(Alice, "alice", PeerProtocol.Legacy, T0, countsAsMessage: true);
        })));

        Assert.Equal(4000, _table.Find(Alice)!.MessageCount);
    }
}
