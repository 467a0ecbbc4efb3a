using System.Net;
using CryptoSphere.Core.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace CryptoSphere.Tests.Discovery;

public sealed class SourceRateLimiterTests
{
    [Fact]
    public void A_flooding_source_is_cut_off_for_the_window_without_affecting_others()
    {
        var clock = new FakeTimeProvider();
        var limiter = new SourceRateLimiter(3, TimeSpan.FromMinutes(1), clock);
        var flooder = IPAddress.Parse("10.0.0.66");
        var neighbour = IPAddress.Parse("10.0.0.7");

        var allowed = Enumerable.Range(0, 100).Count(_ => limiter.Allow(flooder));

        Assert.Equal(3, allowed);
        Assert.True(limiter.Allow(neighbour));
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.True(limiter.Allow(flooder));
    }
}

public sealed class SpreadSourceFloodTests
{
    [Fact]
    public void A_flood_spread_over_more_sources_than_the_table_holds_gets_no_more_than_one_extra_source_would()
    {
        var clock = new FakeTimeProvider();
        var limiter = new SourceRateLimiter(3, TimeSpan.FromMinutes(1), clock, maxSources: 100);
        var flooder = IPAddress.Parse("10.0.0.66");
        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => limiter.Allow(flooder)));

        var spread = Enumerable.Range(0, 20_000).Select(i => new IPAddress(new byte[] { 10, 1, (byte)(i >> 8), (byte)i })).ToList();
        var allowed = spread.Count(limiter.Allow);

        // 99 more sources fit in the table, and all the rest share one allowance of 3.
        Assert.Equal(99 + 3, allowed);
        Assert.Equal(100, limiter.Tracked);
        // The table was not flushed: the first flooder is still cut off.
        Assert.False(limiter.Allow(flooder));
        // Once the window is over, old sources make room again.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True(limiter.Allow(IPAddress.Parse("10.9.9.9")));
    }
}
