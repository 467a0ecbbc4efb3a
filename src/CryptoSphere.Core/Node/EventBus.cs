using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

/// <summary>
/// The one way events leave the node: a bounded queue and one delivery task (NATS.Net's event channel).
/// Subscribers run on that task only, never on a socket's read loop or the store's writer thread, and one at
/// a time, in the order the events were published.
/// </summary>
/// <remarks>
/// Publishing never blocks: it happens on I/O threads that must not wait for a UI. When the queue is full
/// (a subscriber stuck for a long time), events are counted, not queued, and once there is room again the
/// subscribers get one <see cref="EventsMissed"/> with the count, and the log a warning.
/// A public call waits until the events it published itself are delivered (<see cref="Settle{T}"/>), so a
/// caller sees them by the time the call returns, as when events were raised inline (<see cref="SettleNow{T}"/> for synchronous calls).
/// </remarks>
internal sealed class EventBus : IAsyncDisposable
{
    public const int Capacity = 65_536;

    // Set while subscribers run (and in whatever they start): a call from a subscriber must not wait for the
    // delivery task, which is busy running that subscriber.
    private static readonly AsyncLocal<EventBus?> Delivering = new();
    // The events the current public call published: the highest sequence number among them.
    private static readonly AsyncLocal<CallEvents?> Call = new();

    private readonly Channel<(long Sequence, NodeEvent Event)> _queue = Channel.CreateBounded<(long, NodeEvent)>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lock _publishing = new();
    private readonly List<(long Sequence, TaskCompletionSource Done)> _waiters = [];
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private readonly Task _delivery;
    private long _published;
    private long _delivered;
    // The lowest sequence a waiter waits for (MaxValue: none): the delivery task takes the waiters' lock only when
    // it gets there, not once per event.
    private long _lowestWaiting = long.MaxValue;
    private long _missed;
    private Action<NodeEvent>? _listed;
    private Action<NodeEvent>[] _list = [];

    public EventBus(ILogger log, TimeProvider clock)
    {
        _log = log;
        _clock = clock;
        _delivery = Task.Run(DeliverAsync);
    }

    /// <summary>The public <see cref="ChatNode.EventRaised"/> subscribers.</summary>
    public event Action<NodeEvent>? Subscribers;

    /// <summary>
    /// <see cref="ChatNode.EventsDelivered"/>: raised on the delivery task whenever it has handed every queued event to
    /// the subscribers, so one that buffers its output (a process's standard output) writes it once per burst, not per event.
    /// </summary>
    public event Action? Drained;

    /// <summary>Events that could not be queued because the queue was full, since the node was made.</summary>
    public long MissedTotal { get; private set; }

    public void Publish(NodeEvent e)
    {
        long sequence;
        lock (_publishing)
        {
            sequence = _published + 1;
            if (!_queue.Writer.TryWrite((sequence, e)))
            {
                Interlocked.Increment(ref _missed);
                return;
            }
            _published = sequence;
        }
        if (Call.Value is { } call)
            call.Last = sequence;
    }

    /// <summary>Runs a public call; it completes once the events it published have reached the subscribers.</summary>
    public Task<T> Settle<T>(Func<Task<T>> call) => Settle(call, static c => c());

    /// <summary>
    /// The same with the call's arguments as <paramref name="state"/>: a send per message need not allocate a closure
    /// and a delegate for them.
    /// </summary>
    public async Task<T> Settle<TState, T>(TState state, Func<TState, Task<T>> call)
    {
        var events = Call.Value = new CallEvents();
        var result = await call(state).ConfigureAwait(false);
        await DeliveredAsync(events.Last).ConfigureAwait(false);
        return result;
    }

    public async Task Settle(Func<Task> call)
    {
        var events = Call.Value = new CallEvents();
        await call().ConfigureAwait(false);
        await DeliveredAsync(events.Last).ConfigureAwait(false);
    }

    /// <summary>The same for a synchronous call: blocks until its events are delivered (never inside a subscriber).</summary>
    public T SettleNow<T>(Func<T> call)
    {
        var outer = Call.Value;
        var events = Call.Value = new CallEvents();
        try
        {
            var result = call();
            var delivered = DeliveredAsync(events.Last);
            if (!delivered.IsCompleted)
                delivered.Wait(TimeSpan.FromSeconds(30));
            return result;
        }
        finally
        {
            Call.Value = outer;
        }
    }

    public void SettleNow(Action call) => SettleNow(() =>
    {
        call();
        return 0;
    });

    /// <summary>Completes when every event up to <paramref name="sequence"/> has been handed to the subscribers.</summary>
    private Task DeliveredAsync(long sequence)
    {
        if (sequence == 0 || Delivering.Value == this)
            return Task.CompletedTask;
        lock (_waiters)
        {
            // Announce, then read (both full fences); the delivery task writes _delivered, then reads this.
            Interlocked.Exchange(ref _lowestWaiting, Math.Min(_lowestWaiting, sequence));
            if (Interlocked.Read(ref _delivered) >= sequence || _delivery.IsCompleted)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((sequence, done));
            return done.Task;
        }
    }

    private async Task DeliverAsync()
    {
        Delivering.Value = this;
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                Invoke(item.Event);
                Interlocked.Exchange(ref _delivered, item.Sequence);
                if (Volatile.Read(ref _lowestWaiting) <= item.Sequence)
                    ReleaseWaiters(item.Sequence);
                if (Interlocked.Exchange(ref _missed, 0) is var missed and > 0)
                    ReportMissed(missed);
            }
            RaiseDrained();
        }
        ReleaseWaiters(long.MaxValue);
    }

    private void ReportMissed(long missed)
    {
        MissedTotal += missed;
        NodeLog.EventsMissed(_log, missed, Capacity);
        Invoke(new EventsMissed(_clock.GetUtcNow(), missed));
    }

    private void Invoke(NodeEvent e)
    {
        foreach (var subscriber in SubscriberList())
        {
            try
            {
                subscriber(e);
            }
            catch (Exception ex)
            {
                // A subscriber's bug must not stop the others, nor later events.
                NodeLog.SubscriberFailed(_log, ex, e.GetType().Name);
            }
        }
    }

    // The subscribers as an array, made again only when they change: GetInvocationList allocates one per call, and this
    // runs once per event. Only the delivery task calls it.
    private Action<NodeEvent>[] SubscriberList()
    {
        var subscribers = Subscribers;
        if (!ReferenceEquals(subscribers, _listed))
        {
            _list = subscribers is null ? [] : [.. subscribers.GetInvocationList().Cast<Action<NodeEvent>>()];
            _listed = subscribers;
        }
        return _list;
    }

    private void RaiseDrained()
    {
        var drained = Drained;
        if (drained is null)
            return;
        foreach (var subscriber in drained.GetInvocationList().Cast<Action>())
        {
            try
            {
                subscriber();
            }
            catch (Exception ex)
            {
                NodeLog.SubscriberFailed(_log, ex, nameof(Drained));
            }
        }
    }

    private void ReleaseWaiters(long delivered)
    {
        lock (_waiters)
        {
            var lowest = long.MaxValue;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Sequence > delivered)
                {
                    lowest = Math.Min(lowest, _waiters[i].Sequence);
                    continue;
                }
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
            Volatile.Write(ref _lowestWaiting, lowest);
        }
    }

    /// <summary>Delivers what is queued, then ends the delivery task; later events are counted as missed.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _delivery.ConfigureAwait(false);
    }

    private sealed class CallEvents
    {
        public long Last;
    }
}
