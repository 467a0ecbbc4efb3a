using System.Threading.Channels;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// Writes received messages in batches: whatever queued while the last transaction ran goes into the
/// next one, so the commit-before-acknowledge rule costs one commit per batch, not per message.
/// Callbacks run after the commit, in arrival order, on the writer's own loop.
/// </summary>
internal sealed class ReceivedMessageWriter
{
    private const int MaxBatch = 4096;

    private readonly ChatStore _store;
    private readonly Channel<(StoredMessage Message, Action<bool>? Committed)> _queue =
        Channel.CreateUnbounded<(StoredMessage, Action<bool>?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public ReceivedMessageWriter(ChatStore store)
    {
        _store = store;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Queues a message; <paramref name="committed"/> gets false when its ID was already stored.</summary>
    public void Enqueue(StoredMessage message, Action<bool>? committed)
    {
        if (!_queue.Writer.TryWrite((message, committed)))
            throw new ObjectDisposedException(nameof(ChatStore));
    }

    private async Task LoopAsync()
    {
        var batch = new List<(StoredMessage Message, Action<bool>? Committed)>(MaxBatch);
        var results = new List<bool>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                batch.Add(item);
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
                continue;
            }
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    batch[i].Committed?.Invoke(results[i]);
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
        _queue.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
