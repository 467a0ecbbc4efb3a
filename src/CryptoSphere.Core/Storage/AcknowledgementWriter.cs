using System.Threading.Channels;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// Applies acknowledgements in batches: a group message acknowledged by a hundred members, or a burst
/// of acks on one connection, costs one transaction. Callbacks run after the commit, in arrival order.
/// </summary>
internal sealed class AcknowledgementWriter
{
    private const int MaxBatch = 4096;

    private readonly ChatStore _store;
    private readonly Channel<(Guid Id, string Target, Action<bool> Done)> _queue =
        Channel.CreateUnbounded<(Guid, string, Action<bool>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public AcknowledgementWriter(ChatStore store)
    {
        _store = store;
        _loop = Task.Run(LoopAsync);
    }

    public void Enqueue(Guid id, string target, Action<bool> done)
    {
        if (!_queue.Writer.TryWrite((id, target, done)))
            throw new ObjectDisposedException(nameof(ChatStore));
    }

    private async Task LoopAsync()
    {
        var batch = new List<(Guid Id, string Target, Action<bool> Done)>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                batch.Add(item);
            bool[] results;
            try
            {
                results = _store.ApplyAcknowledgements(batch.Select(b => (b.Id, b.Target)).ToList());
            }
            catch (Exception e) when (e is ObjectDisposedException or Microsoft.Data.Sqlite.SqliteException)
            {
                continue; // unrecorded acks: the messages stay in the outbox and are sent again, deduplicated
            }
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    batch[i].Done(results[i]);
                }
                catch (Exception)
                {
                    // A failing subscriber must not stop the writer.
                }
            }
        }
    }

    public void Complete()
    {
        _queue.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
