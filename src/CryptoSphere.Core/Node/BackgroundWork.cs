using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

/// <summary>
/// The node's background tasks (connection handlers, redials, transfers): tracked so that stopping waits for
/// them, and a task that fails is logged instead of being lost unobserved.
/// </summary>
internal sealed class BackgroundWork(ILogger log) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    public CancellationToken Stopping => _stopping.Token;

    public bool IsStopping => _stopping.IsCancellationRequested;

    public void Track(Task task)
    {
        _running.TryAdd(task, 0);
        task.ContinueWith(Forget, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static void Forget(Task task, object? state)
    {
        var work = (BackgroundWork)state!;
        work._running.TryRemove(task, out _);
        if (task.Exception is { } e && !work.IsStopping)
            NodeLog.BackgroundTaskFailed(work.Log, e.GetBaseException());
    }

    private ILogger Log => log;

    public void Stop() => _stopping.Cancel();

    /// <summary>Waits for every tracked task and <paramref name="others"/>, at most <paramref name="limit"/>; true when all ended.</summary>
    public async Task<bool> WaitAsync(TimeSpan limit, params Task?[] others)
    {
        var all = Task.WhenAll(_running.Keys.Concat(others.OfType<Task>()));
        await Task.WhenAny(all, Task.Delay(limit)).ConfigureAwait(false);
        return all.IsCompleted;
    }

    public void Dispose() => _stopping.Dispose();
}
