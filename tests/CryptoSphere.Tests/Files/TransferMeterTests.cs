using CryptoSphere.Core.Files;
using Microsoft.Extensions.Time.Testing;

namespace CryptoSphere.Tests.Files;

/// <summary>Progress reports: at most one per interval, always the last, with the recent rate and time left.</summary>
public sealed class TransferMeterTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Reports_at_most_once_per_interval_but_always_at_the_end()
    {
        var clock = new FakeTimeProvider();
        var meter = new TransferMeter(clock, TimeSpan.FromMilliseconds(100));

        Assert.True(meter.TryReport(1, 100 * MiB, out _, out _)); // the first one
        var reports = 0;
        for (var i = 0; i < 1000; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            if (meter.TryReport((i + 2) * 1000, 100 * MiB, out _, out _))
                reports++;
        }
        Assert.InRange(reports, 9, 10); // one second: ten a second at most
        Assert.True(meter.TryReport(100 * MiB, 100 * MiB, out _, out _)); // the end, even right after another
    }

    [Fact]
    public void The_rate_follows_the_last_seconds_and_gives_the_time_left()
    {
        var clock = new FakeTimeProvider();
        var meter = new TransferMeter(clock, TimeSpan.FromMilliseconds(100));
        Assert.True(meter.TryReport(0, 100 * MiB, out var first, out var unknown));
        Assert.Equal(0, first);
        Assert.Null(unknown);

        // 10 MiB/s for 5 s.
        for (var tenth = 1; tenth <= 50; tenth++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            meter.TryReport(tenth * MiB, 100 * MiB, out _, out _);
        }
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(meter.TryReport(51 * MiB, 100 * MiB, out var rate, out var left));
        Assert.Equal(10 * MiB, rate, tolerance: 0.01 * MiB);
        Assert.Equal(4.9, left!.Value.TotalSeconds, tolerance: 0.05);

        // A stall shows within the window: the rate drops.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(meter.TryReport(51 * MiB, 100 * MiB, out var stalled, out _));
        Assert.True(stalled < 5 * MiB, $"rate {stalled}");
    }
}
