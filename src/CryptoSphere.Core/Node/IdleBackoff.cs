namespace CryptoSphere.Core.Node;

/// <summary>
/// The wait of a loop that polls the store: its usual interval while it has work, doubling up to a longer one while
/// it finds none. What this process queues wakes such a loop at once (<see cref="StorePassWake"/>); the polling is
/// left for what another process writes (a one-off <c>send</c>, <c>group</c> or <c>mailbox</c> command), which a
/// long-idle node then notices within the longer interval. A loop polled every second kept an idle node's thread
/// pool waking, and with it a hundred idle nodes on one machine (docs/BENCHMARKS.md, idle wake-ups).
/// </summary>
internal struct IdleBackoff(TimeSpan busy, TimeSpan idle)
{
    private TimeSpan _wait;

    /// <summary>How long to wait after a pass that found work (<paramref name="found"/>) or none.</summary>
    public TimeSpan Next(bool found)
    {
        _wait = found || idle <= busy || _wait < busy ? busy : TimeSpan.FromTicks(Math.Min(_wait.Ticks * 2, idle.Ticks));
        return _wait;
    }

    /// <summary>
    /// How often a timer that enforces a deadline of <paramref name="deadline"/> ticks: a sixtieth of it (the deadline is
    /// kept that closely), at least <paramref name="atLeast"/>, at most a minute; not every second whatever the deadline.
    /// </summary>
    public static TimeSpan TickFor(TimeSpan deadline, TimeSpan atLeast)
    {
        var tick = deadline / 60;
        return tick < atLeast ? atLeast : tick > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : tick;
    }
}
