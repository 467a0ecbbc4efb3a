using CryptoSphere.Core.Node;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// Records every event a <see cref="ChatNode"/> raises and lets a test await one that matches,
/// whether it already happened or is still to come.
/// </summary>
public sealed class EventWaiter : IDisposable
{
    // Generous: a test waits for what must happen, and only a failing test waits this long. 10 s was within reach of a
    // loaded CI machine's stalls (two cores, a full suite, browsers and servers of its own).
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private readonly List<NodeEvent> _events = [];
    private readonly List<(Func<NodeEvent, bool> Match, TaskCompletionSource<NodeEvent> Done)> _waiters = [];
    private ChatNode? _node;

    public EventWaiter()
    {
    }

    public EventWaiter(ChatNode node) => Attach(node);

    /// <summary>Subscribes to the node; call before <see cref="ChatNode.StartAsync"/> to see <see cref="NodeStarted"/>.</summary>
    public void Attach(ChatNode node)
    {
        if (_node is not null)
            throw new InvalidOperationException("this waiter is already attached to a node");
        _node = node;
        node.EventRaised += Record;
    }

    /// <summary>A copy of every event recorded so far, in the order they were raised.</summary>
    public IReadOnlyList<NodeEvent> Events
    {
        get
        {
            lock (_gate)
                return _events.ToList();
        }
    }

    /// <remarks>
    /// Events reach this list from the node's own bus task, in the order the node published them, possibly well after
    /// another node saw the effect (an ACK, a delivery) or a public call returned. So <see cref="WaitFor{T}"/> the event
    /// before counting it; to show "exactly one", also wait for a later event on the same node that it publishes after
    /// any second copy could have been published (a later message on the same connection, or its NodeStopped).
    /// </remarks>
    public IReadOnlyList<T> All<T>() where T : NodeEvent => Events.OfType<T>().ToList();

    /// <summary>The first recorded or future event of type <typeparamref name="T"/> matching the predicate.</summary>
    public async Task<T> WaitFor<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null) where T : NodeEvent
    {
        Func<NodeEvent, bool> match = e => e is T t && (predicate is null || predicate(t));
        var done = new TaskCompletionSource<NodeEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = (match, done);
        lock (_gate)
        {
            var existing = _events.FirstOrDefault(match);
            if (existing is not null)
                return (T)existing;
            _waiters.Add(entry);
        }

        var limit = timeout ?? DefaultTimeout;
        try
        {
            return (T)await done.Task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate)
                _waiters.Remove(entry);
            throw new TimeoutException(
                $"no matching {typeof(T).Name} within {limit.TotalSeconds:0.#} s; events so far:{Environment.NewLine}{Describe()}");
        }
    }

    public string Describe() => string.Join(Environment.NewLine, Events.Select(e => "  " + e));

    private void Record(NodeEvent e)
    {
        List<TaskCompletionSource<NodeEvent>> matched = [];
        lock (_gate)
        {
            _events.Add(e);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(e))
                    continue;
                matched.Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        foreach (var done in matched)
            done.TrySetResult(e);
    }

    public void Dispose()
    {
        if (_node is not null)
            _node.EventRaised -= Record;
    }
}
