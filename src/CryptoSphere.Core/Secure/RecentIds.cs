namespace CryptoSphere.Core.Secure;

/// <summary>The last N message IDs seen, so a resent message (after a lost ack) is shown once.</summary>
internal sealed class RecentIds(int capacity)
{
    private readonly HashSet<Guid> _set = new();
    private readonly Queue<Guid> _order = new();
    private readonly object _gate = new();

    /// <summary>False when the ID was already seen.</summary>
    public bool Add(Guid id)
    {
        lock (_gate)
        {
            if (!_set.Add(id))
                return false;
            _order.Enqueue(id);
            if (_order.Count > capacity)
                _set.Remove(_order.Dequeue());
            return true;
        }
    }
}
