namespace CryptoSphere.Core.Files;

/// <summary>
/// How many file bytes may be sent to one peer and not yet acknowledged, across all transfers to it.
/// Keeping this well under the connection's 8 MiB send buffer means a chat message (or an ack) queued
/// during a transfer waits behind at most this much data, and never blocks.
/// </summary>
internal sealed class SendWindow(long capacity)
{
    private readonly object _gate = new();
    private long _used;
    private TaskCompletionSource? _room;

    public long Capacity { get; } = capacity;

    /// <summary>Waits until <paramref name="bytes"/> fit (one chunk always fits an empty window).</summary>
    public async ValueTask AcquireAsync(long bytes, Task giveUp, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_used == 0 || _used + bytes <= Capacity)
                {
                    _used += bytes;
                    return;
                }
                _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _room.Task;
            }
            if (await Task.WhenAny(wait, giveUp).WaitAsync(cancellationToken).ConfigureAwait(false) == giveUp)
                throw new IOException("the connection closed");
        }
    }

    public void Release(long bytes)
    {
        if (bytes <= 0)
            return;
        TaskCompletionSource? room;
        lock (_gate)
        {
            _used = Math.Max(0, _used - bytes);
            room = _room;
            _room = null;
        }
        room?.TrySetResult();
    }
}
