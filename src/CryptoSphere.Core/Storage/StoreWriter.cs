namespace CryptoSphere.Core.Storage;

/// <summary>
/// The store's one writer task. It takes everything queued while its last transaction ran (received messages,
/// acknowledgements, and the sends' and the outbox's writes), writes it all in one transaction, commits, and only
/// then completes each waiter and runs each callback. Under load many writes share one commit (group commit), so
/// "reported only once committed" costs a commit per batch, not per message; alone, a write is committed at once.
/// A lone write (the writer idle, nothing queued, no other write for <see cref="LoneGap"/>, and the loop's last batch
/// a single write) is committed on the caller's own thread instead: one message at a time then costs no hop to the
/// writer's loop and back to the caller, while a burst still goes through the queue and shares commits.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "Complete ends the loop; the semaphore and token source are left to the collector because a late Enqueue may still touch them.")]
internal sealed class StoreWriter
{
    public const int MaxOperations = 4096;

    // Writes closer together than this are a burst, and go through the queue to share commits. Bursts (a read loop's
    // frames, a script's sends) come microseconds apart; one message at a time, a round trip apart.
    private static readonly long LoneGap = System.Diagnostics.Stopwatch.Frequency / 10_000;

    private readonly ChatStore _store;
    private readonly Queue<IWriteOperation> _operations = new();
    private readonly SemaphoreSlim _ready = new(0);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _loop;
    private bool _closed;
    private long _transactions;
    private long _loneTransactions;
    // Guarded by Gate: a batch is being written (by the loop, or by a lone write's caller); when a write was last queued
    // or a lone write ended (a producer that commits its own writes must not look idle because of its own commits); and
    // how many writes the loop's last batch held (more than one: writes are arriving faster than they commit, keep batching).
    private bool _writing;
    private long _lastActivity;
    private int _lastBatch;

    public StoreWriter(ChatStore store)
    {
        _store = store;
        Received = new ReceivedMessageWriter(this);
        Acknowledgements = new AcknowledgementWriter(this);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>
    /// Test seam: while set, each batch waits for this task before it is written, and no write is committed on its
    /// caller's thread, so a test can hold a commit and show who waits for it (a send reports "sent" only once its row
    /// says so). Never set in a running node, where it costs a null check per batch.
    /// </summary>
    internal Task? HeldUntil { get; set; }

    /// <summary>Guards every queue of the writer and its closing.</summary>
    public object Gate { get; } = new();

    public ReceivedMessageWriter Received { get; }

    public AcknowledgementWriter Acknowledgements { get; }

    /// <summary>Transactions the writer has committed: fewer than the writes in them whenever writes were batched.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Of <see cref="Transactions"/>, those committed by a lone write's caller rather than the writer's loop.</summary>
    public long LoneTransactions => Interlocked.Read(ref _loneTransactions);

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

    private void Signal()
    {
        if (_ready.CurrentCount == 0)
            _ready.Release();
    }

    private int QueuedUnderGate => _operations.Count + Received.QueuedUnderGate + Acknowledgements.QueuedUnderGate;

    /// <summary>
    /// Call under <see cref="Gate"/> right after queueing one write: true when that write is alone (see the class), and
    /// the caller must then pass true to <see cref="Queued"/>, which writes it.
    /// </summary>
    public bool ClaimLone()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var lone = HeldUntil is null && !_writing && _lastBatch <= 1 && now - _lastActivity > LoneGap && QueuedUnderGate == 1;
        _lastActivity = now;
        _writing |= lone;
        return lone;
    }

    /// <summary>Call outside <see cref="Gate"/> after queueing: writes a lone write now, else wakes the writer's loop.</summary>
    public void Queued(bool lone)
    {
        if (!lone)
        {
            Signal();
            return;
        }
        // Not when the store's lock is busy (a long read, or a holder that waits for this caller): the write goes to the
        // loop after all, so queueing a write still never waits for the lock. The lock is not kept: callbacks run after
        // the commit, outside it, as on the loop.
        if (!_store.IsLockFree())
        {
            lock (Gate)
                _writing = false;
            Signal();
            return;
        }
        var received = new List<(StoredMessage Message, Action<ReceiveOutcome>? Done)>(1);
        var acks = new List<(Guid Id, string Target, Action<bool> Done)>(1);
        var operations = new List<IWriteOperation>(1);
        try
        {
            lock (Gate)
                Take(received, acks, operations);
            if (Write(operations, acks, received))
                Interlocked.Increment(ref _loneTransactions);
        }
        finally
        {
            bool more;
            lock (Gate)
            {
                _writing = false;
                _lastActivity = System.Diagnostics.Stopwatch.GetTimestamp();
                more = QueuedUnderGate > 0 || _closed;
            }
            // Writes queued meanwhile waited for this one: the loop takes them now.
            if (more)
                Signal();
        }
    }

    /// <summary>Queues a write; the task completes after the transaction holding it has committed, or fails with its error.</summary>
    public Task<T> Enqueue<T>(Func<WriteBatch, T> work) => Enqueue(work, static (batch, w) => w(batch));

    /// <summary>The same, with the write's arguments as <paramref name="state"/> for a static <paramref name="work"/> (no closure per write).</summary>
    public Task<T> Enqueue<TState, T>(TState state, Func<WriteBatch, TState, T> work)
    {
        var operation = new WriteOperation<TState, T>(state, work);
        bool lone;
        lock (Gate)
        {
            ThrowIfClosed();
            _operations.Enqueue(operation);
            lone = ClaimLone();
        }
        Queued(lone);
        return operation.Task;
    }

    // Called under the gate.
    private void Take(List<(StoredMessage Message, Action<ReceiveOutcome>? Done)> received, List<(Guid Id, string Target, Action<bool> Done)> acks,
        List<IWriteOperation> operations)
    {
        // Received messages are taken first and operations last, so a write queued before a received message
        // (a group's clock before the message that moved it) is in that message's batch or an earlier one.
        Received.TakeBatch(received);
        Acknowledgements.TakeBatch(acks);
        while (operations.Count < MaxOperations && _operations.TryDequeue(out var operation))
            operations.Add(operation);
    }

    private async Task LoopAsync()
    {
        var received = new List<(StoredMessage Message, Action<ReceiveOutcome>? Done)>(ReceivedMessageWriter.MaxBatch);
        var acks = new List<(Guid Id, string Target, Action<bool> Done)>(AcknowledgementWriter.MaxBatch);
        var operations = new List<IWriteOperation>(MaxOperations);
        while (true)
        {
            received.Clear();
            acks.Clear();
            operations.Clear();
            bool closed, lone;
            Task? held;
            lock (Gate)
            {
                held = HeldUntil;
                // While a lone write's caller writes, the rest waits for it (it signals when done).
                lone = _writing;
                if (!lone)
                {
                    Take(received, acks, operations);
                    _writing = received.Count + acks.Count + operations.Count > 0;
                    if (_writing)
                        _lastBatch = received.Count + acks.Count + operations.Count;
                }
                closed = _closed;
                if (received.Count + acks.Count + operations.Count == 0 && closed && !lone)
                    return;
            }
            if (received.Count + acks.Count + operations.Count == 0)
            {
                try
                {
                    if (closed)
                        await Task.Delay(1).ConfigureAwait(false); // closing, while a lone write finishes
                    else
                        await _ready.WaitAsync(_closing.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Closing: whatever is still queued is written before the loop ends.
                }
                continue;
            }
            if (held is not null)
                await held.ConfigureAwait(false);
            var written = Write(operations, acks, received);
            lock (Gate)
                _writing = false;
            if (!written)
                return;
        }
    }

    // One transaction for the whole batch; false when the store is gone.
    private bool Write(List<IWriteOperation> operations, List<(Guid Id, string Target, Action<bool> Done)> acks,
        List<(StoredMessage Message, Action<ReceiveOutcome>? Done)> received)
    {
        var outcomes = new List<ReceiveOutcome>(received.Count);
        bool[]? ackResults = null;
        var error = TryCommit(batch =>
        {
            ChatStore.AdvanceClocks(batch, received.Select(r => r.Message));
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
    private void WriteApart(List<IWriteOperation> operations, List<(Guid Id, string Target, Action<bool> Done)> acks,
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
            if (TryCommit(batch =>
                {
                    ChatStore.AdvanceClocks(batch, received.Select(r => r.Message));
                    _store.InsertReceived(batch, received.Select(r => r.Message), outcomes);
                }, received) is not null)
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
                    using var batch = _store.Begin(db);
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
