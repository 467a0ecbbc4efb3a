using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Tests.Node;

/// <summary>The event bus: subscribers run on its one delivery task, in order, and nothing is dropped silently.</summary>
public sealed class EventBusTests : IAsyncDisposable
{
    private readonly EventBus _bus = new(NullLogger.Instance, TimeProvider.System);

    public ValueTask DisposeAsync() => _bus.DisposeAsync();

    private static NodeEvent Numbered(int n) => new InputRejected(DateTimeOffset.UtcNow, "test", n.ToString());

    [Fact]
    public async Task Subscribers_run_on_the_delivery_task_never_on_the_publishing_thread()
    {
        var ran = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribers += _ => ran.TrySetResult(Environment.CurrentManagedThreadId);
        var publisher = 0;
        // A thread of its own: the delivery task (on the pool) can never be it.
        var thread = new Thread(() =>
        {
            publisher = Environment.CurrentManagedThreadId;
            _bus.Publish(Numbered(1));
        });
        thread.Start();
        thread.Join();

        Assert.NotEqual(publisher, await ran.Task.WaitAsync(EventWaiter.DefaultTimeout));
    }

    [Fact]
    public async Task Events_reach_subscribers_in_the_order_they_were_published()
    {
        var seen = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribers += e =>
        {
            seen.Add(((InputRejected)e).Reason);
            if (seen.Count == 1000)
                all.TrySetResult();
        };

        for (var i = 0; i < 1000; i++)
            _bus.Publish(Numbered(i));

        await all.Task.WaitAsync(EventWaiter.DefaultTimeout);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i.ToString()), seen);
    }

    [Fact]
    public async Task Drained_follows_the_last_event_of_a_burst_and_comes_once_per_burst_not_per_event()
    {
        var delivered = 0;
        var drainedAt = new List<int>();
        using var gate = new ManualResetEventSlim();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribers += _ =>
        {
            gate.Wait(); // held until the whole burst is queued
            delivered++;
        };
        _bus.Drained += () =>
        {
            // Same task as the subscribers: no lock needed, and never between two of their calls.
            drainedAt.Add(delivered);
            if (delivered == 500)
                all.TrySetResult();
        };

        for (var i = 0; i < 500; i++)
            _bus.Publish(Numbered(i));
        gate.Set();

        await all.Task.WaitAsync(EventWaiter.DefaultTimeout);
        // Whenever the delivery task took the first event, the other 499 were queued before it could go on: one burst.
        Assert.Equal(500, Assert.Single(drainedAt));
    }

    [Fact]
    public async Task A_call_returns_after_the_events_it_published_were_delivered()
    {
        var seen = new List<string>();
        _bus.Subscribers += e =>
        {
            Thread.Sleep(50); // a slow subscriber: without the wait, the call would return first
            lock (seen)
                seen.Add(((InputRejected)e).Reason);
        };

        await _bus.Settle(async () =>
        {
            await Task.Yield();
            _bus.Publish(Numbered(1));
            _bus.Publish(Numbered(2));
            return 0;
        });

        lock (seen)
            Assert.Equal(["1", "2"], seen);
    }

    [Fact]
    public async Task A_call_made_by_a_subscriber_does_not_wait_for_the_delivery_task_that_runs_it()
    {
        var inner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var returned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribers += e =>
        {
            if (((InputRejected)e).Reason == "outer")
            {
                // Would deadlock if the call waited for its own event: this task delivers it only after returning.
                _bus.SettleNow(() => _bus.Publish(Numbered(2)));
                returned.TrySetResult();
            }
            else
                inner.TrySetResult();
        };

        _bus.Publish(new InputRejected(DateTimeOffset.UtcNow, "test", "outer"));

        await returned.Task.WaitAsync(EventWaiter.DefaultTimeout);
        await inner.Task.WaitAsync(EventWaiter.DefaultTimeout);
    }

    [Fact]
    public async Task When_the_queue_is_full_the_events_left_out_are_counted_and_reported()
    {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var missed = new TaskCompletionSource<EventsMissed>(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribers += e =>
        {
            if (e is EventsMissed m)
            {
                missed.TrySetResult(m);
                return;
            }
            inside.Set();
            release.Wait();
        };

        _bus.Publish(Numbered(0)); // taken by the subscriber, which then holds the delivery task
        Assert.True(inside.Wait(EventWaiter.DefaultTimeout));
        for (var i = 1; i <= EventBus.Capacity + 7; i++)
            _bus.Publish(Numbered(i));
        release.Set();

        var report = await missed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(7, report.Count);
        Assert.Equal(7, _bus.MissedTotal);
    }
}
