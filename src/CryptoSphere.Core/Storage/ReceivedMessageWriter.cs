namespace CryptoSphere.Core.Storage;

/// <summary>
/// The received messages' share of the store's batches (<see cref="StoreWriter"/>): whatever queued while the
/// last transaction ran goes into the next one, so the commit-before-acknowledge rule costs one commit per batch,
/// not per message. Each author has its own queue and a batch takes one message from each in turn, so a peer that
/// floods the node never puts another peer's message behind its backlog. Callbacks run after the commit, in
/// arrival order per author, on the writer's own loop.
/// </summary>
internal sealed class ReceivedMessageWriter(StoreWriter writer)
{
    public const int MaxBatch = 4096;

    // A friend's message waits for at most one transaction of this size (plus its own turn): two of the largest messages.
    private const long MaxBatchBytes = 2L * 1024 * 1024;

    // Guarded by the writer's gate.
    private readonly Dictionary<string, Queue<(StoredMessage Message, Action<ReceiveOutcome>? Done)>> _queues = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _turns = new();
    private int _queued;

    /// <summary>Messages queued and not yet written, from every author.</summary>
    public int Queued => Volatile.Read(ref _queued);

    public bool IsEmpty => _turns.Count == 0;

    /// <summary>Call under the writer's gate.</summary>
    public int QueuedUnderGate => _queued;

    /// <summary>Queues a message; <paramref name="done"/> says whether it was new, a resend, or refused.</summary>
    public void Enqueue(StoredMessage message, Action<ReceiveOutcome>? done)
    {
        var author = StorageQuota.AuthorOf(message);
        bool lone;
        lock (writer.Gate)
        {
            writer.ThrowIfClosed();
            if (!_queues.TryGetValue(author, out var queue))
            {
                _queues[author] = queue = new Queue<(StoredMessage, Action<ReceiveOutcome>?)>();
                _turns.AddLast(author);
            }
            queue.Enqueue((message, done));
            _queued++;
            lone = writer.ClaimLone();
        }
        writer.Queued(lone);
    }

    // Round robin: one message per author per turn, until the batch is full. Called under the writer's gate.
    public void TakeBatch(List<(StoredMessage Message, Action<ReceiveOutcome>? Done)> batch)
    {
        long bytes = 0;
        while (batch.Count < MaxBatch && bytes < MaxBatchBytes && _turns.First is { } turn)
        {
            _turns.RemoveFirst();
            var queue = _queues[turn.Value];
            var item = queue.Dequeue();
            batch.Add(item);
            bytes += 2L * item.Message.Text.Length;
            if (queue.Count > 0)
                _turns.AddLast(turn);
            else
                _queues.Remove(turn.Value);
        }
        _queued -= batch.Count;
    }

    /// <summary>After the commit (or a failure that stored nothing): each message's callback, in order.</summary>
    public static void Finish(List<(StoredMessage Message, Action<ReceiveOutcome>? Done)> batch, List<ReceiveOutcome> results)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                batch[i].Done?.Invoke(results[i]);
            }
            catch (Exception)
            {
                // A failing subscriber must not stop the writer; the node logs its own failures.
            }
        }
    }
}
