namespace CryptoSphere.Core.Storage;

/// <summary>
/// The acknowledgements' share of the store's batches (<see cref="StoreWriter"/>): a group message acknowledged by
/// a hundred members, or a burst of acks on one connection, costs one transaction. Callbacks run after the commit,
/// in arrival order.
/// </summary>
internal sealed class AcknowledgementWriter(StoreWriter writer)
{
    public const int MaxBatch = 4096;

    // Guarded by the writer's gate.
    private readonly Queue<(Guid Id, string Target, Action<bool> Done)> _queue = new();

    private long _queued;
    private long _highWater;

    /// <summary>Acknowledgements queued and not yet applied, and the most there ever were (bounded by the sessions' slots).</summary>
    public long Queued => Interlocked.Read(ref _queued);

    public long HighWater => Interlocked.Read(ref _highWater);

    public bool IsEmpty => _queue.Count == 0;

    /// <summary>Call under the writer's gate.</summary>
    public int QueuedUnderGate => _queue.Count;

    public void Enqueue(Guid id, string target, Action<bool> done)
    {
        bool lone;
        lock (writer.Gate)
        {
            writer.ThrowIfClosed();
            _queue.Enqueue((id, target, done));
            var queued = Interlocked.Increment(ref _queued);
            if (queued > _highWater)
                Interlocked.Exchange(ref _highWater, queued);
            lone = writer.ClaimLone();
        }
        writer.Queued(lone);
    }

    // Called under the writer's gate.
    public void TakeBatch(List<(Guid Id, string Target, Action<bool> Done)> batch)
    {
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var item))
            batch.Add(item);
    }

    /// <summary>
    /// After the commit: each callback with its result. After a failure every result is false (settling nothing), so
    /// the messages stay in the outbox and go again, and the sessions still get their acknowledgement slots back.
    /// </summary>
    public void Finish(List<(Guid Id, string Target, Action<bool> Done)> batch, bool[]? results)
    {
        Interlocked.Add(ref _queued, -batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                batch[i].Done(results is not null && results[i]);
            }
            catch (Exception)
            {
                // A failing subscriber must not stop the writer.
            }
        }
    }
}
