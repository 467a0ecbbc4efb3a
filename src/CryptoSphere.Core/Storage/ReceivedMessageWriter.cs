namespace CryptoSphere.Core.Storage;

/// <summary>
/// Writes received messages in batches: whatever queued while the last transaction ran goes into the
/// next one, so the commit-before-acknowledge rule costs one commit per batch, not per message.
/// Each author has its own queue and a batch takes one message from each in turn, so a peer that floods
/// the node never puts another peer's message behind its backlog. Callbacks run after the commit, in
/// arrival order per author, on the writer's own loop.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "Complete ends the loop; the semaphore and token source are left to the collector because a late Enqueue may still touch them.")]
internal sealed class ReceivedMessageWriter
{
    private const int MaxBatch = 4096;

    // A friend's message waits for at most one transaction of this size (plus its own turn): two of the largest messages.
    private const long MaxBatchBytes = 2L * 1024 * 1024;

    private readonly ChatStore _store;
    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<(StoredMessage Message, Action<ReceiveOutcome>? Done)>> _queues = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _turns = new();
    private readonly SemaphoreSlim _ready = new(0);
    private readonly CancellationTokenSource _completed = new();
    private readonly Task _loop;
    private bool _closed;

    public ReceivedMessageWriter(ChatStore store)
    {
        _store = store;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Messages queued and not yet written, from every author.</summary>
    public int Queued
    {
        get
        {
            lock (_gate)
                return _queues.Values.Sum(q => q.Count);
        }
    }

    /// <summary>Queues a message; <paramref name="done"/> says whether it was new, a resend, or refused.</summary>
    public void Enqueue(StoredMessage message, Action<ReceiveOutcome>? done)
    {
        var author = StorageQuota.AuthorOf(message);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, typeof(ChatStore));
            if (!_queues.TryGetValue(author, out var queue))
            {
                _queues[author] = queue = new Queue<(StoredMessage, Action<ReceiveOutcome>?)>();
                _turns.AddLast(author);
            }
            queue.Enqueue((message, done));
        }
        if (_ready.CurrentCount == 0)
            _ready.Release();
    }

    // Round robin: one message per author per turn, until the batch is full.
    private void TakeBatch(List<(StoredMessage Message, Action<ReceiveOutcome>? Done)> batch)
    {
        long bytes = 0;
        lock (_gate)
        {
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
        }
    }

    private async Task LoopAsync()
    {
        var batch = new List<(StoredMessage Message, Action<ReceiveOutcome>? Done)>(MaxBatch);
        var results = new List<ReceiveOutcome>(MaxBatch);
        while (true)
        {
            batch.Clear();
            TakeBatch(batch);
            if (batch.Count == 0)
            {
                lock (_gate)
                {
                    if (_closed && _turns.Count == 0)
                        return;
                }
                try
                {
                    await _ready.WaitAsync(_completed.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Closing: whatever is still queued is written before the loop ends.
                }
                continue;
            }
            results.Clear();
            try
            {
                _store.InsertReceived(batch.Select(b => b.Message), results);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                // Not stored, so not acknowledged: the sender keeps the messages and sends them again.
                results.Clear();
                results.AddRange(batch.Select(_ => ReceiveOutcome.Refused("the database could not store it")));
            }
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

    public void Complete()
    {
        lock (_gate)
            _closed = true;
        _completed.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
