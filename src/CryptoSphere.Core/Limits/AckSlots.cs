namespace CryptoSphere.Core.Limits;

/// <summary>
/// Acknowledgements read from one peer and not yet applied: a few slots of its own and a share of the node's.
/// Reading waits for a slot, so an ACK flood costs a fixed amount of memory however fast it comes.
/// </summary>
// Its semaphores never hand out a wait handle, so there is nothing to dispose; it lives as long as its session.
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim without AvailableWaitHandle holds no unmanaged resource")]
internal sealed class AckSlots(int perPeer, SemaphoreSlim node)
{
    private readonly SemaphoreSlim _peer = new(perPeer, perPeer);
    private int _waiting;
    private Action? _release;

    /// <summary><see cref="Release"/> as one delegate for the session's life: an ACK's callback takes it, once per message.</summary>
    public Action ReleaseAction => _release ??= Release;

    /// <summary>Takes a slot if one is free now, without waiting.</summary>
    public bool TryTake()
    {
        if (!_peer.Wait(0))
            return false;
        if (node.Wait(0))
            return true;
        _peer.Release();
        return false;
    }

    /// <summary>Reads waiting for a slot now (a test sees a flood held at the slots without waiting "a moment").</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public async Task<bool> TakeAsync(TimeSpan timeout)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            if (!await _peer.WaitAsync(timeout).ConfigureAwait(false))
                return false;
            var left = deadline - DateTime.UtcNow;
            if (left > TimeSpan.Zero && await node.WaitAsync(left).ConfigureAwait(false))
                return true;
            _peer.Release();
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    public void Release()
    {
        node.Release();
        _peer.Release();
    }
}
