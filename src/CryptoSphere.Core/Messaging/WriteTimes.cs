namespace CryptoSphere.Core.Messaging;

/// <summary>
/// When a target's messages were written on its current session (coarsely: one entry per second of writing, each
/// saying "every message up to this sequence was written by then"), and since when its oldest unacknowledged message
/// has been the oldest. The outbox asks it which messages to write again on the same session: those its peer has
/// left unacknowledged for the ACK timeout while acknowledging nothing older (see <see cref="Outbox"/>). A peer
/// that is only slow (a long backlog, paced acknowledgements) keeps acknowledging the oldest, so it is never sent
/// duplicates; a message refused or lost (a failed database write, a group the member did not know yet) is.
/// Not thread-safe: used under the target's flush lock.
/// </summary>
internal sealed class WriteTimes
{
    // Writes the same messages again 1, 2, 4, 8, 16, then every 32 ACK timeouts.
    private const int MaxDoublings = 5;

    private readonly List<(long Sequence, DateTimeOffset At)> _entries = [];
    private long _head;
    private DateTimeOffset _headSince;
    private int _resends;

    /// <summary>Every message up to <paramref name="sequence"/> has been written by <paramref name="now"/>.</summary>
    public void Wrote(long sequence, DateTimeOffset now)
    {
        // Within the same second the last entry moves forward: a burst costs one entry, not one per flush.
        if (_entries.Count > 0 && _entries[^1].At.ToUnixTimeSeconds() == now.ToUnixTimeSeconds())
            _entries[^1] = (Math.Max(_entries[^1].Sequence, sequence), now);
        else
            _entries.Add((sequence, now));
    }

    /// <summary>A new session: what was written on the old one says nothing about this one.</summary>
    public void Clear()
    {
        _entries.Clear();
        _head = 0;
        _resends = 0;
    }

    /// <summary>
    /// Given the oldest message still waiting (<paramref name="head"/>): the highest sequence of the messages to write
    /// again now, those written at least <paramref name="timeout"/> ago, when the head has stayed the oldest for that
    /// long (doubled for each time they were written again already); null when none is due.
    /// </summary>
    public long? Overdue(long head, DateTimeOffset now, TimeSpan timeout)
    {
        if (head != _head)
            (_head, _headSince, _resends) = (head, now, 0);
        var acknowledged = 0;
        while (acknowledged < _entries.Count && _entries[acknowledged].Sequence < head)
            acknowledged++;
        _entries.RemoveRange(0, acknowledged);
        if (now - _headSince < timeout * (1 << Math.Min(_resends, MaxDoublings)))
            return null;
        long? through = null;
        foreach (var (sequence, at) in _entries)
        {
            if (now - at < timeout)
                break;
            through = sequence;
        }
        return through;
    }

    /// <summary>The overdue messages were written again: the next time waits twice as long.</summary>
    public void Resent(DateTimeOffset now)
    {
        _resends++;
        _headSince = now;
    }
}
