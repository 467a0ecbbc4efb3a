using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>The cryptosphere process with bad relay / discovery settings: one line, exit 2, no node started.</summary>
public class AcrossNetworksCliTests
{
    [Theory]
    [InlineData("--relay", "relay://127.0.0.1:22067/", "Invalid --relay: the relay URL needs ?id=")]
    [InlineData("--relay", "", "Invalid --relay: a URL is expected.")]
    [InlineData("--relay", "relay://127.0.0.1:22067/?id=BADID", "Invalid --relay: the relay URL's ?id= is not a valid device ID")]
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

    [Fact]
    public async Task AnInviteLinkPrinted_IsAddedOnTheOtherSide_WithBothIdsAndTheRelay()
    {
        using var temp = new TempDirectory();
        const string relay = "relay://203.0.113.5:22067/?id=P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";
        var (inviteCode, link, _) = await CliProcess.RunAsync("invite", "--data-dir", temp.Combine("a"), "-p", "5101", "-n", "alice",
            "--advertise-ip", "192.0.2.4", "--relay", relay);
        var (idCode, aliceId, _) = await CliProcess.RunAsync("id", "--data-dir", temp.Combine("a"));

        var (addCode, added, addError) = await CliProcess.RunAsync("add", "--data-dir", temp.Combine("b"), "--trust", link.Trim());

        Assert.Equal((0, 0, 0), (inviteCode, idCode, addCode));
        Assert.Equal("", addError);
        Assert.Contains($"Added alice ({aliceId.Trim()}) as trusted, reachable through 203.0.113.5:22067.", added);
        using var store = Core.Storage.ChatStore.Open(temp.Combine("b"));
        var contact = new TrustStore(store).Find(Core.Identity.PeerId.TryParse(aliceId.Trim(), out var id) ? id : default)!;
        Assert.Equal(TrustState.Trusted, contact.State);
        Assert.Equal(relay, contact.Relay!.ToString());
        Assert.Equal("192.0.2.4:5101", contact.LastAddress);
        Assert.NotNull(contact.DeviceId);
    }

    [Fact]
    public async Task ABadInviteLink_IsAOneLineError_AndNothingIsAdded()
    {
        using var temp = new TempDirectory();

        var (code, _, stderr) = await CliProcess.RunAsync("add", "--data-dir", temp.Path, "cryptosphere:invite?id=nope");

        // Bad input, as anywhere else: exit 2 (it was 1, the code of a failed send).
        Assert.Equal(2, code);
        Assert.Equal("cryptosphere: the invite link has no valid id (peer ID)", stderr.Trim());
    }
}
