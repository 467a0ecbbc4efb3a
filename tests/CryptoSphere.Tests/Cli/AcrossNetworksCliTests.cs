using CryptoSphere.Core.Relay;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>The cryptosphere process with bad relay / discovery settings: one line, exit 2, no node started.</summary>
public class AcrossNetworksCliTests
{
    [Theory]
    [InlineData("--relay", "relay://127.0.0.1:22067/", "Invalid --relay: the relay URL needs ?id=")]
    [InlineData("--relay", "", "Invalid --relay: a URL is expected.")]
    [InlineData("--discovery-server", "http://127.0.0.1:8443/", "Invalid --discovery-server: a discovery server is given as https://")]
    public async Task ABadServerUrl_IsOneLineOnStderr_AndNothingStarts(string option, string value, string expected)
    {
        using var temp = new TempDirectory();

        var (code, stdout, stderr) = await CliProcess.RunAsync("listen", "-n", "a", "-p", "5999", "--bind", "127.0.0.1",
            "--data-dir", temp.Path, option, value);

        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr + stdout);
        Assert.DoesNotContain("Listening on", stdout);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task ABadNetworkJson_StopsTheNodeWithAOneLineError_NamingTheFile()
    {
        using var temp = new TempDirectory();
        await File.WriteAllTextAsync(temp.Combine(AcrossNetworksSettingsFile.FileName), """{ "relay": "relay://10.0.0.1:1/" }""");

        var (code, stdout, stderr) = await CliProcess.RunAsync("listen", "-n", "a", "-p", "5999", "--bind", "127.0.0.1", "--data-dir", temp.Path);

        Assert.Equal(2, code);
        Assert.Equal($"cryptosphere: {temp.Combine(AcrossNetworksSettingsFile.FileName)}: relay: the relay URL needs ?id= with the relay's device ID (strelaysrv prints it as URI: at start)",
            stderr.Trim());
        Assert.DoesNotContain("Listening on", stdout);
    }
}
