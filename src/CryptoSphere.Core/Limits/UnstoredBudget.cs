namespace CryptoSphere.Core.Limits;

/// <summary>
/// What one peer has sent that is decoded but not yet committed: a count and a byte budget of its own, and a
/// share of the node's. When either is spent the session stops reading, so TCP pushes back on the sender
/// while other peers keep their turn.
/// </summary>
// Its semaphores never hand out a wait handle, so there is nothing to dispose; it lives as long as its session.
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim without AvailableWaitHandle holds no unmanaged resource")]
internal sealed class UnstoredBudget
{
    private readonly SemaphoreSlim _count;
    private readonly ByteBudget _peer;
    private readonly ByteBudget _node;
    private readonly Action<long>? _held;

    public UnstoredBudget(int maxMessages, long peerBytes, ByteBudget node, Action<long>? held = null)
    {
        _held = held;
        _count = new SemaphoreSlim(maxMessages, maxMessages);
        _peer = new ByteBudget(peerBytes);
        _node = node;
    }

    /// <summary>Bytes this peer holds now, and the most it ever held.</summary>
    public long Bytes => _peer.InUse;

    public long HighWater => _peer.HighWater;

    /// <summary>What a received text costs in memory until it is stored: UTF-16, plus the message around it.</summary>
    public static long CostOf(string text) => 2L * text.Length + 256;

    /// <summary>False when the budget did not free up within <paramref name="timeout"/> (the store is stuck).</summary>
    public async Task<bool> TakeAsync(long bytes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        if (!await _count.WaitAsync(timeout).ConfigureAwait(false))
            return false;
        if (!await _peer.TakeAsync(bytes, Left(deadline)).ConfigureAwait(false))
        {
            _count.Release();
            return false;
        }
        if (!await _node.TakeAsync(bytes, Left(deadline)).ConfigureAwait(false))
        {
            _peer.Release(bytes);
            _count.Release();
            return false;
        }
        _held?.Invoke(_peer.InUse);
        return true;
    }

    public void Release(long bytes)
    {
        _node.Release(bytes);
        _peer.Release(bytes);
        _count.Release();
    }

    private static TimeSpan Left(DateTime deadline) =>
        deadline > DateTime.UtcNow ? deadline - DateTime.UtcNow : TimeSpan.Zero;
}
