namespace CryptoSphere.Core.Storage;

/// <summary>
/// One write queued for the store's writer: it runs inside a batch's transaction, and its task completes only
/// after that transaction has committed (so whoever awaits it may report the write as done).
/// </summary>
internal interface IWriteOperation
{
    void Run(WriteBatch batch);

    /// <summary>The transaction holding the write committed.</summary>
    void Committed();

    void Failed(Exception error);
}

/// <summary>
/// A write with its arguments (<paramref name="state"/>) and the completion its caller awaits, in one object: a send
/// queues one per message, and a closure, a delegate and a separate completion source were three more.
/// </summary>
internal sealed class WriteOperation<TState, T>(TState state, Func<WriteBatch, TState, T> work)
    : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously), IWriteOperation
{
    private T? _result;

    public void Run(WriteBatch batch) => _result = work(batch, state);

    public void Committed() => TrySetResult(_result!);

    public void Failed(Exception error) => TrySetException(error);
}
