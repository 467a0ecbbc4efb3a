namespace CryptoSphere.Core.Storage;

/// <summary>
/// One write queued for the store's writer: it runs inside a batch's transaction, and its task completes only
/// after that transaction has committed (so whoever awaits it may report the write as done).
/// </summary>
internal abstract class WriteOperation
{
    public abstract void Run(WriteBatch batch);

    /// <summary>The transaction holding the write committed.</summary>
    public abstract void Committed();

    public abstract void Failed(Exception error);
}

internal sealed class WriteOperation<T>(Func<WriteBatch, T> work) : WriteOperation
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? _result;

    public Task<T> Task => _done.Task;

    public override void Run(WriteBatch batch) => _result = work(batch);

    public override void Committed() => _done.TrySetResult(_result!);

    public override void Failed(Exception error) => _done.TrySetException(error);
}
