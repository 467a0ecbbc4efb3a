using CryptoSphere.Core.Messaging;

namespace CryptoSphere.Tests.Messaging;

/// <summary>Which unacknowledged messages the outbox writes again on a live session, and when.</summary>
public sealed class WriteTimesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    [Fact]
    public void A_peer_that_keeps_acknowledging_the_oldest_is_never_sent_duplicates()
    {
        var times = new WriteTimes();
        times.Wrote(100, At(0));

        // A slow receiver (a long backlog, paced acks): the oldest waiting message moves on, however old the writes are.
        for (var second = 0; second <= 300; second += 10)
            Assert.Null(times.Overdue(1 + second / 10, At(second), Timeout));
    }

    [Fact]
    public void A_head_stuck_for_the_timeout_brings_back_what_was_written_that_long_ago_and_not_what_is_newer()
    {
        var times = new WriteTimes();
        times.Wrote(5, At(0));
        times.Wrote(9, At(20));

        Assert.Null(times.Overdue(3, At(1), Timeout));
        Assert.Null(times.Overdue(3, At(30), Timeout)); // the head has been the oldest for 29 s
        Assert.Equal(5, times.Overdue(3, At(31), Timeout));
        Assert.Equal(9, times.Overdue(3, At(50), Timeout));
    }

    [Fact]
    public void Writing_again_doubles_the_wait_until_the_next_time()
    {
        var times = new WriteTimes();
        times.Wrote(1, At(0));
        Assert.Null(times.Overdue(1, At(0), Timeout)); // the pass sees it the oldest from now on
        Assert.Equal(1, times.Overdue(1, At(30), Timeout));
        times.Resent(At(30));

        Assert.Null(times.Overdue(1, At(89), Timeout));
        Assert.Equal(1, times.Overdue(1, At(90), Timeout));
        times.Resent(At(90));
        Assert.Null(times.Overdue(1, At(209), Timeout));
        Assert.Equal(1, times.Overdue(1, At(210), Timeout));
    }

    [Fact]
    public void Writes_within_one_second_share_an_entry_and_acknowledged_ones_are_forgotten()
    {
        var times = new WriteTimes();
        times.Wrote(1, At(0));
        times.Wrote(2, At(0.5));
        times.Wrote(3, At(1.2));

        // Message 1 and 2 were acknowledged: the head is 3, written at 1.2 s.
        Assert.Null(times.Overdue(3, At(0), Timeout));
        Assert.Null(times.Overdue(3, At(31), Timeout));
        Assert.Equal(3, times.Overdue(3, At(31.2), Timeout));
    }

    [Fact]
    public void A_head_not_yet_written_on_this_session_or_a_new_session_brings_back_nothing()
    {
        var times = new WriteTimes();
        times.Wrote(4, At(0));
        Assert.Null(times.Overdue(5, At(0), Timeout));
        Assert.Null(times.Overdue(5, At(100), Timeout));

        times.Overdue(4, At(0), Timeout);
        times.Clear();
        Assert.Null(times.Overdue(4, At(100), Timeout));
    }
}
