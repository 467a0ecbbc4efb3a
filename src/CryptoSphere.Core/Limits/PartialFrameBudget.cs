namespace CryptoSphere.Core.Limits;

/// <summary>
/// Bytes of frames announced but not yet complete, held for one connection: charged to the remote address
/// and to the node. Disposing it gives up the connection's claim on the address's budget.
/// </summary>
internal sealed class PartialFrameBudget : IDisposable
{
    private readonly ReceiveLimits _limits;
    private readonly ByteBudget _address;
    private readonly System.Net.IPAddress _key;
    private int _disposed;

    internal PartialFrameBudget(ReceiveLimits limits, System.Net.IPAddress key, ByteBudget address)
    {
        _limits = limits;
        _key = key;
        _address = address;
    }

    /// <summary>Frames at most this long are read without asking: every connection reads that much anyway.</summary>
    public int FreeBytes => _limits.PartialFrameFreeBytes;

    public TimeSpan Deadline => _limits.PartialFrameDeadline;

    public async ValueTask<bool> TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _limits.WaitLimit;
        if (!await _address.TakeAsync(bytes, _limits.WaitLimit, cancellationToken).ConfigureAwait(false))
            return false;
        var left = deadline - DateTime.UtcNow;
        if (left > TimeSpan.Zero && await _limits.PartialNode.TakeAsync(bytes, left, cancellationToken).ConfigureAwait(false))
            return true;
        _address.Release(bytes);
        return false;
    }

    public void Release(long bytes)
    {
        _limits.PartialNode.Release(bytes);
        _address.Release(bytes);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _limits.ReleaseAddress(_key);
    }
}
