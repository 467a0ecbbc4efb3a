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
