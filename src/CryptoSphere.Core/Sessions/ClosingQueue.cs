using System.Collections.Concurrent;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// Ends finished connections on the thread pool, many per work item. A legacy message read at accept time is done
/// when the store writer has committed it, on the writer's own thread; closing its connection there put the kernel's
/// close (a FIN over loopback, the sender woken: a quarter of the node's CPU per message, `perf`) on the one thread
/// every received message waits for. Here the writer only queues it; one work item drains what queued meanwhile.
/// </summary>
internal sealed class ClosingQueue<T>(Action<T> end)
{
    private readonly ConcurrentQueue<T> _queue = new();
    private int _scheduled;

    public void Enqueue(T item)
    {
        _queue.Enqueue(item);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static queue => queue.Drain(), this, preferLocal: false);
    }

    private void Drain()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var item))
                end(item);
            Volatile.Write(ref _scheduled, 0);
            // One that queued after the last dequeue saw the flag still set and left it to this drain.
            if (_queue.IsEmpty || Interlocked.Exchange(ref _scheduled, 1) != 0)
                return;
        }
    }
}
