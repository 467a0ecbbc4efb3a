namespace CryptoSphere.Core.Limits;

/// <summary>
/// An asynchronous semaphore counted in bytes. Takers wait in arrival order, so a peer that asks often
/// cannot starve one that asks rarely; a single request larger than the whole budget is let through
/// when nothing else is held, so one maximum-size frame always fits.
/// </summary>
internal sealed class ByteBudget
{
    private readonly object _gate = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource<bool> Granted)> _waiting = new();
    private long _inUse;
    private long _highWater;

    public ByteBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public long Capacity { get; }

    public long InUse
    {
        get
        {
            lock (_gate)
                return _inUse;
        }
    }

    /// <summary>The most ever held at once: what tests and benchmarks read to see the bound held.</summary>
    public long HighWater
    {
        get
        {
            lock (_gate)
                return _highWater;
        }
    }

    public int Waiting
    {
        get
        {
            lock (_gate)
                return _waiting.Count;
        }
    }

    /// <summary>Takes <paramref name="bytes"/> at once if they fit and nobody waits ahead.</summary>
    public bool TryTake(long bytes)
    {
        lock (_gate)
        {
            if (_waiting.Count > 0 || !Fits(bytes))
                return false;
            Grant(bytes);
            return true;
        }
    }

    /// <summary>Waits for <paramref name="bytes"/>; false when they did not come within <paramref name="timeout"/>.</summary>
    public async ValueTask<bool> TakeAsync(long bytes, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        LinkedListNode<(long, TaskCompletionSource<bool>)> node;
        lock (_gate)
        {
            if (_waiting.Count == 0 && Fits(bytes))
            {
                Grant(bytes);
                return true;
            }
            node = _waiting.AddLast((bytes, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)));
        }
        try
        {
            return await node.Value.Item2.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (_gate)
            {
                // Granted in the meantime: the bytes are ours, so give them back.
                if (node.List is null)
                {
                    Release(bytes);
                }
                else
                {
                    _waiting.Remove(node);
                    GrantWaiting();
                }
            }
            if (e is OperationCanceledException)
                throw;
            return false;
        }
    }

    public void Release(long bytes)
    {
        lock (_gate)
        {
            _inUse -= bytes;
            if (_inUse < 0)
                throw new InvalidOperationException("released more bytes than were taken");
            GrantWaiting();
        }
    }

    private bool Fits(long bytes) => _inUse == 0 || _inUse + bytes <= Capacity;

    private void Grant(long bytes)
    {
        _inUse += bytes;
        _highWater = Math.Max(_highWater, _inUse);
    }

    private void GrantWaiting()
    {
        while (_waiting.First is { } first && Fits(first.Value.Bytes))
        {
            _waiting.RemoveFirst();
            Grant(first.Value.Bytes);
            first.Value.Granted.TrySetResult(true);
        }
    }
}
