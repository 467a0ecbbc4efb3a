using CryptoSphere.Core.Relay;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Relay;

/// <summary>--relay / --discovery-server and network.json: nothing set means LAN only; bad input says why.</summary>
public class AcrossNetworksSettingsTests
{
    private const string Id = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";

    [Fact]
    public void NothingGiven_IsLanOnly()
    {
        Assert.True(AcrossNetworksOptions.TryParse(null, " ", out var options, out _));
        Assert.False(options.IsConfigured);
        using var temp = new TempDirectory();
        Assert.True(AcrossNetworksSettingsFile.TryLoad(temp.Path, out var fromFile, out _));
        Assert.Equal(AcrossNetworksOptions.LanOnly, fromFile);
    }

    [Fact]
    public void BothGiven_AreParsed()
    {
        Assert.True(AcrossNetworksOptions.TryParse($"relay://10.0.0.1:22067/?id={Id}", $"https://10.0.0.1:8443/?id={Id}", out var options, out _));
        Assert.Equal(22067, options.Relay!.Port);
        Assert.Equal(8443, options.DiscoveryServer!.BaseAddress.Port);
    }

    [Theory]
    [InlineData("relay://10.0.0.1:22067/", null, "--relay:")]
    [InlineData(null, "http://10.0.0.1:8443/", "--discovery-server:")]
    public void ABadSetting_IsNamedInAOneLineError(string? relay, string? discovery, string prefix)
    {
        Assert.False(AcrossNetworksOptions.TryParse(relay, discovery, out var options, out var error));
        Assert.StartsWith(prefix, error);
        Assert.DoesNotContain('\n', error);
        Assert.False(options.IsConfigured);
    }

    [Fact]
    public async Task TheSettingsFile_IsRead_AndTheCommandLineWinsPerSetting()
    {
        using var temp = new TempDirectory();
        await File.WriteAllTextAsync(temp.Combine(AcrossNetworksSettingsFile.FileName),
            $$"""{ "relay": "relay://10.0.0.1:22067/?id={{Id}}", "discoveryServer": "https://10.0.0.2:8443/?id={{Id}}" }""");

        Assert.True(AcrossNetworksSettingsFile.TryLoad(temp.Path, out var fromFile, out var error), error);
        Assert.True(AcrossNetworksOptions.TryParse($"relay://10.9.9.9:1/?id={Id}", null, out var commandLine, out _));
        var effective = fromFile.OverriddenBy(commandLine);

        Assert.Equal("10.9.9.9", effective.Relay!.Host);
        Assert.Equal("10.0.0.2", effective.DiscoveryServer!.BaseAddress.Host);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("""{ "relay": "tcp://x:1/" }""", "relay: a relay is given as")]
    // Found from outside: these were ignored silently, and the node ran without the relay its owner had set.
    [InlineData("""{ "Relay": "relay://10.0.0.1:22067/" }""", "unknown key \"Relay\"; keys are case-sensitive: write \"relay\"")]
    [InlineData("""{ "relays": "relay://10.0.0.1:22067/" }""", "unknown key \"relays\"; the keys are \"relay\" and \"discoveryServer\"")]
    [InlineData("""{ "relay": "relay://10.0.0.1:22067/", "relay": "relay://10.0.0.2:22067/" }""", "\"relay\" is given twice")]
    public async Task ABadSettingsFile_IsAOneLineErrorNamingTheFile(string content, string expected)
    {
        using var temp = new TempDirectory();
        await File.WriteAllTextAsync(temp.Combine(AcrossNetworksSettingsFile.FileName), content);

        Assert.False(AcrossNetworksSettingsFile.TryLoad(temp.Path, out _, out var error));
        Assert.Contains(expected, error);
        Assert.Contains(AcrossNetworksSettingsFile.FileName, error);
        Assert.DoesNotContain('\n', error);
    }
}
