using System.Net;

namespace CryptoSphere.Core.Limits;

/// <summary>
/// The node's memory budgets for what peers send: received-but-unstored messages (per peer and for the node),
/// unprocessed acknowledgements per session, and frames still arriving (per address and for the node).
/// Spent budgets make the reading side wait, so TCP slows the sender down; nothing is dropped.
/// </summary>
internal sealed class ReceiveLimits
{
    private readonly object _gate = new();
    private readonly Dictionary<IPAddress, (ByteBudget Budget, int Connections)> _addresses = new();

    public ReceiveLimits(long unstoredBytesPerPeer = 8L << 20, long unstoredBytes = 64L << 20, int unstoredMessagesPerPeer = 1024,
        int pendingAcksPerPeer = 1024, int pendingAcks = 65_536, long partialFrameBytesPerAddress = 4L << 20, long partialFrameBytes = 32L << 20)
    {
        UnstoredBytesPerPeer = unstoredBytesPerPeer;
        UnstoredMessagesPerPeer = unstoredMessagesPerPeer;
        Unstored = new ByteBudget(unstoredBytes);
        PendingAcksPerPeer = pendingAcksPerPeer;
        PendingAcks = new SemaphoreSlim(pendingAcks, pendingAcks);
        PartialFrameBytesPerAddress = partialFrameBytesPerAddress;
        PartialNode = new ByteBudget(partialFrameBytes);
    }

    /// <summary>Defaults for a session made outside a node (tests, tools).</summary>
    public static ReceiveLimits Default { get; } = new();

    public long UnstoredBytesPerPeer { get; }

    public int UnstoredMessagesPerPeer { get; }

    /// <summary>The node-wide budget for received messages not yet committed.</summary>
    public ByteBudget Unstored { get; }

    public int PendingAcksPerPeer { get; }

    /// <summary>The node-wide slots for acknowledgements read and not yet applied.</summary>
    public SemaphoreSlim PendingAcks { get; }

    public AckSlots AckSlotsForPeer() => new(PendingAcksPerPeer, PendingAcks);

    public long PartialFrameBytesPerAddress { get; }

    /// <summary>The node-wide budget for frames still arriving.</summary>
    public ByteBudget PartialNode { get; }

    public int PartialFrameFreeBytes { get; init; } = 64 * 1024;

    /// <summary>A frame that holds budget must be complete within this; a sender that stops half-way is cut off.</summary>
    public TimeSpan PartialFrameDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest a reader waits for budget before it gives up on the connection (the store or node is stuck).</summary>
    public TimeSpan WaitLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Addresses with a partial-frame budget now (one per address with a live connection).</summary>
    public int TrackedAddresses
    {
        get
        {
            lock (_gate)
                return _addresses.Count;
        }
    }

    public UnstoredBudget ForPeer() => new(UnstoredMessagesPerPeer, UnstoredBytesPerPeer, Unstored, RecordPeerHeld);

    private long _peerHighWater;

    /// <summary>The most unstored bytes any one peer ever held at once.</summary>
    public long PeerUnstoredHighWater => Interlocked.Read(ref _peerHighWater);

    private void RecordPeerHeld(long bytes)
    {
        long seen;
        while (bytes > (seen = Interlocked.Read(ref _peerHighWater)) && Interlocked.CompareExchange(ref _peerHighWater, bytes, seen) != seen)
        {
        }
    }

    /// <summary>The partial-frame budget of <paramref name="address"/>, shared by all its connections.</summary>
    public PartialFrameBudget ForAddress(IPAddress address)
    {
        var key = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        lock (_gate)
        {
            var entry = _addresses.TryGetValue(key, out var found) ? found : (Budget: new ByteBudget(PartialFrameBytesPerAddress), Connections: 0);
            _addresses[key] = (entry.Budget, entry.Connections + 1);
            return new PartialFrameBudget(this, key, entry.Budget);
        }
    }

    internal void ReleaseAddress(IPAddress key)
    {
        lock (_gate)
        {
            if (!_addresses.TryGetValue(key, out var entry))
                return;
            if (entry.Connections <= 1)
                _addresses.Remove(key);
            else
                _addresses[key] = (entry.Budget, entry.Connections - 1);
        }
    }
}
