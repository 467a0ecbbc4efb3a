namespace CryptoSphere.Core.Storage;

/// <summary>
/// The store's one writer task. It takes everything queued while its last transaction ran (received messages,
/// acknowledgements, and the sends' and the outbox's writes), writes it all in one transaction, commits, and only
/// then completes each waiter and runs each callback. Under load many writes share one commit (group commit), so
/// "reported only once committed" costs a commit per batch, not per message; alone, a write is committed at once.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "Complete ends the loop; the semaphore and token source are left to the collector because a late Enqueue may still touch them.")]
internal sealed class StoreWriter
{
    public const int MaxOperations = 4096;

    private readonly ChatStore _store;
    private readonly Queue<WriteOperation> _operations = new();
    private readonly SemaphoreSlim _ready = new(0);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _loop;
    private bool _closed;
    private long _transactions;

    public StoreWriter(ChatStore store)
    {
        _store = store;
        Received = new ReceivedMessageWriter(this);
        Acknowledgements = new AcknowledgementWriter(this);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Guards every queue of the writer and its closing.</summary>
    public object Gate { get; } = new();

    public ReceivedMessageWriter Received { get; }

    public AcknowledgementWriter Acknowledgements { get; }

    /// <summary>Transactions the writer has committed: fewer than the writes in them whenever writes were batched.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Writes queued and not yet committed (received messages and acknowledgements are counted apart).</summary>
    public int OperationsQueued
    {
        get
        {
            lock (Gate)
                return _operations.Count;
        }
    }

    /// <summary>Call under <see cref="Gate"/>.</summary>
    public void ThrowIfClosed() => ObjectDisposedException.ThrowIf(_closed, typeof(ChatStore));

    public void Signal()
    {
        if (_ready.CurrentCount == 0)
            _ready.Release();
    }

    /// <summary>Queues a write; the task completes after the transaction holding it has committed, or fails with its error.</summary>
    public Task<T> Enqueue<T>(Func<WriteBatch, T> work)
    {
        var operation = new WriteOperation<T>(work);
        lock (Gate)
        {
            ThrowIfClosed();
            _operations.Enqueue(operation);
        }
        Signal();
        return operation.Task;
    }

    private async Task LoopAsync()
    {
        var received = new List<(StoredMessage Message, Action<ReceiveOutcome>? Done)>(ReceivedMessageWriter.MaxBatch);
        var acks = new List<(Guid Id, string Target, Action<bool> Done)>(AcknowledgementWriter.MaxBatch);
        var operations = new List<WriteOperation>(MaxOperations);
        while (true)
        {
            received.Clear();
            acks.Clear();
            operations.Clear();
            lock (Gate)
            {
                // Received messages are taken first and operations last, so a write queued before a received message
                // (a group's clock before the message that moved it) is in that message's batch or an earlier one.
                Received.TakeBatch(received);
                Acknowledgements.TakeBatch(acks);
                while (operations.Count < MaxOperations && _operations.TryDequeue(out var operation))
                    operations.Add(operation);
                if (received.Count + acks.Count + operations.Count == 0 && _closed)
                    return;
            }
            if (received.Count + acks.Count + operations.Count == 0)
            {
                try
                {
                    await _ready.WaitAsync(_closing.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Closing: whatever is still queued is written before the loop ends.
                }
                continue;
            }
            if (!Write(operations, acks, received))
                return;
        }
    }

    // One transaction for the whole batch; false when the store is gone.
    private bool Write(List<WriteOperation> operations, List<(Guid Id, string Target, Action<bool> Done)> acks,
        List<(StoredMessage Message, Action<ReceiveOutcome>? Done)> received)
    {
        var outcomes = new List<ReceiveOutcome>(received.Count);
        bool[]? ackResults = null;
        var error = TryCommit(batch =>
        {
            // Operations first: a message marked sent before its acknowledgement arrived is then delivered, not sent.
            foreach (var operation in operations)
                operation.Run(batch);
            if (acks.Count > 0)
                ackResults = ChatStore.ApplyAcknowledgements(batch, acks);
            if (received.Count > 0)
                _store.InsertReceived(batch, received.Select(r => r.Message), outcomes);
        }, received);
        if (error is null)
        {
            foreach (var operation in operations)
                operation.Committed();
            Acknowledgements.Finish(acks, ackResults);
            ReceivedMessageWriter.Finish(received, outcomes);
            return true;
        }
        if (error is ObjectDisposedException)
        {
            foreach (var operation in operations)
                operation.Failed(error);
            Acknowledgements.Finish(acks, null);
            return false; // received messages were not stored, so they are not acknowledged either
        }
        WriteApart(operations, acks, received);
        return true;
    }

    // One write failed and took its batch with it: each part again in its own transaction, so only what fails fails.
    private void WriteApart(List<WriteOperation> operations, List<(Guid Id, string Target, Action<bool> Done)> acks,
        List<(StoredMessage Message, Action<ReceiveOutcome>? Done)> received)
    {
        foreach (var operation in operations)
        {
            if (TryCommit(operation.Run, []) is { } error)
                operation.Failed(error);
            else
                operation.Committed();
        }
        if (acks.Count > 0)
        {
            bool[]? results = null;
            // Unrecorded acks: the messages stay in the outbox and are sent again, deduplicated.
            if (TryCommit(batch => results = ChatStore.ApplyAcknowledgements(batch, acks), []) is not null)
                results = null;
            Acknowledgements.Finish(acks, results);
        }
        if (received.Count > 0)
        {
            var outcomes = new List<ReceiveOutcome>(received.Count);
            if (TryCommit(batch => _store.InsertReceived(batch, received.Select(r => r.Message), outcomes), received) is not null)
            {
                // Not stored, so not acknowledged: the sender keeps the messages and sends them again.
                outcomes.Clear();
                outcomes.AddRange(received.Select(_ => ReceiveOutcome.Refused("the database could not store it")));
            }
            ReceivedMessageWriter.Finish(received, outcomes);
        }
    }

    // Null when committed; otherwise the error, with nothing of the batch written.
    private Exception? TryCommit(Action<WriteBatch> work, List<(StoredMessage Message, Action<ReceiveOutcome>? Done)> received)
    {
        try
        {
            _store.Locked(db =>
            {
                try
                {
                    using var batch = new WriteBatch(db);
                    work(batch);
                    batch.Commit();
                }
                catch
                {
                    // The quota counted messages the rollback took away: their authors' usage is read again.
                    foreach (var (message, _) in received)
                        _store.Quota.Forget(StorageQuota.AuthorOf(message));
                    throw;
                }
            });
            Interlocked.Increment(ref _transactions);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    public void Complete()
    {
        lock (Gate)
            _closed = true;
        _closing.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
