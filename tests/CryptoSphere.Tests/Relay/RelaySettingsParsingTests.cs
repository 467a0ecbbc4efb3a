using CryptoSphere.Core.GlobalDiscovery;
using CryptoSphere.Core.Relay;

namespace CryptoSphere.Tests.Relay;

/// <summary>The relay and discovery server URLs a user types: the id pins the server, bad input says why.</summary>
public class RelaySettingsParsingTests
{
    private const string Id = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";

    [Fact]
    public void RelayUrl_AsStrelaysrvPrintsIt_IsAccepted_AndExtraParametersAreIgnored()
    {
        var url = RelayUrl.Parse($"relay://10.1.2.3:22067/?id={Id}&pingInterval=1m0s&networkTimeout=2m0s&sessionLimitBps=0&statusAddr=&providedBy=");

        Assert.Equal("10.1.2.3", url.Host);
        Assert.Equal(22067, url.Port);
        Assert.Equal(Id, url.RelayId.ToString());
        Assert.Equal($"relay://10.1.2.3:22067/?id={Id}", url.ToString());
    }

    [Fact]
    public void RelayUrl_KeepsItsToken_ButNeverPrintsIt()
    {
        var url = RelayUrl.Parse($"relay://relay.example:443/?id={Id}&token=s3cret");
        Assert.Equal("s3cret", url.Token);
        Assert.DoesNotContain("s3cret", url.ToString());
    }

    [Theory]
    [InlineData("tcp://10.1.2.3:22067/?id=" + Id, "relay://HOST:PORT")]
    [InlineData("relay://10.1.2.3/?id=" + Id, "port")]
    [InlineData("relay://10.1.2.3:22067/", "?id=")]
    [InlineData("relay://10.1.2.3:22067/?id=", "needs ?id=")]
    // Hunt C10: an id that is there but malformed was reported as missing ("needs ?id=").
    [InlineData("relay://10.1.2.3:22067/?id=NOTANID", "?id= is not a valid device ID")]
    [InlineData("not a url", "relay://HOST:PORT")]
    public void RelayUrl_Rejects_WithAOneLineReason(string text, string mentioned)
    {
        Assert.False(RelayUrl.TryParse(text, out var url, out var error));
        Assert.Null(url);
        Assert.Contains(mentioned, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void DiscoveryUrl_PinsTheServer_AndRequestsGoToTheBaseAddress()
    {
        var url = DiscoveryServerUrl.Parse($"https://127.0.0.1:8443/?id={Id}");
        Assert.Equal(new Uri("https://127.0.0.1:8443/"), url.BaseAddress);
        Assert.Equal(Id, url.ServerId.ToString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:8443/?id=" + Id, "https://")]
    [InlineData("https://127.0.0.1:8443/?id=XYZ", "not a device ID")]
    [InlineData("relay://127.0.0.1:8443/", "https://")]
    public void DiscoveryUrl_Rejects_WithAOneLineReason(string text, string mentioned)
    {
        Assert.False(DiscoveryServerUrl.TryParse(text, out _, out var error));
        Assert.Contains(mentioned, error);
    }

    [Fact]
    public void Backoff_Doubles_StaysUnderItsMaximum_AndStartsOverAfterReset()
    {
        var backoff = new RelayBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), new Random(1));
        var delays = Enumerable.Range(0, 8).Select(_ => backoff.Next().TotalSeconds).ToArray();

        Assert.InRange(delays[0], 1, 1.25);
        Assert.InRange(delays[1], 2, 2.5);
        Assert.InRange(delays[2], 4, 5);
        Assert.All(delays[4..], d => Assert.Equal(10, d));
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalSeconds, 1, 1.25);
    }
}
