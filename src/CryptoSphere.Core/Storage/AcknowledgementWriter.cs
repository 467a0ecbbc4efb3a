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

    private long _queued;
    private long _highWater;

    /// <summary>Acknowledgements queued and not yet applied, and the most there ever were (bounded by the sessions' slots).</summary>
    public long Queued => Interlocked.Read(ref _queued);

    public long HighWater => Interlocked.Read(ref _highWater);

    public void Enqueue(Guid id, string target, Action<bool> done)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite((id, target, done)), typeof(ChatStore));
        var queued = Interlocked.Increment(ref _queued);
        long seen;
        while (queued > (seen = Interlocked.Read(ref _highWater)) && Interlocked.CompareExchange(ref _highWater, queued, seen) != seen)
        {
        }
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
                // Unrecorded acks: the messages stay in the outbox and are sent again, deduplicated. The callbacks
                // still run (settling nothing), so the sessions get their acknowledgement slots back.
                results = new bool[batch.Count];
            }
            Interlocked.Add(ref _queued, -batch.Count);
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
