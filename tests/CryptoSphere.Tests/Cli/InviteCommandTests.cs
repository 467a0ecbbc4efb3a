using System.Text.Json;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// <c>invite</c> prints the link of the node running on the data directory (found from outside: it printed the OS user
/// name, port 5000 and no relay while the node listened elsewhere, with a relay), and says when it can only guess; bad
/// hosts are refused in the link it prints and in the link <c>add</c> takes in.
/// </summary>
public sealed class InviteCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    // Nothing listens on port 1: the node's relay client retries in the background, which does not matter here.
    private const string Relay = "relay://127.0.0.1:1/?id=P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static InviteLink Parse(string stdout)
    {
        Assert.True(InviteLink.TryParse(stdout.Trim(), out var link, out var error), error);
        return link!;
    }

    [Fact]
    public async Task Invite_with_a_node_running_prints_its_name_port_and_relay_and_options_still_replace_parts()
    {
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "Alice", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--no-discovery", "--relay", Relay, "--json");
        var started = await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience);
        var port = JsonDocument.Parse(started.Split('\n')[0]).RootElement.GetProperty("port").GetInt32();

        var (code, stdout, stderr) = await CliProcess.RunAsync("invite", "--data-dir", _data.Path);
        var (otherCode, other, _) = await CliProcess.RunAsync("invite", "--data-dir", _data.Path, "-n", "Al", "-p", "5999");

        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        var link = Parse(stdout);
        Assert.Equal("Alice", link.Name);
        Assert.Equal($"127.0.0.1:{port}", Assert.Single(link.Addresses).ToString());
        Assert.Equal(Relay, link.Relay!.ToString());
        Assert.Equal(0, otherCode);
        var replaced = Parse(other);
        Assert.Equal(("Al", "127.0.0.1:5999", Relay), (replaced.Name, replaced.Addresses[0].ToString(), replaced.Relay!.ToString()));
        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }

    [Fact]
    public async Task Invite_without_a_running_node_warns_that_the_port_is_a_guess_unless_given()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("invite", "--data-dir", _data.Path, "--advertise-ip", "192.0.2.4");
        var (givenCode, given, givenError) = await CliProcess.RunAsync("invite", "--data-dir", _data.Path, "--advertise-ip", "192.0.2.4", "-p", "5101");

        Assert.Equal((0, 0), (code, givenCode));
        Assert.Equal("192.0.2.4:5000", Parse(stdout).Addresses[0].ToString());
        Assert.StartsWith("cryptosphere: warning: no node is running on", stderr.Trim());
        Assert.Contains("--port", stderr);
        Assert.DoesNotContain('\n', stderr.Trim());
        Assert.Equal("192.0.2.4:5101", Parse(given).Addresses[0].ToString());
        Assert.Equal("", givenError);
    }

    [Fact]
    public async Task Invite_refuses_an_advertised_address_that_is_no_IP_as_listen_does()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("invite", "--data-dir", _data.Path, "--advertise-ip", "bad host!");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("--advertise-ip must be an IP address", stderr);
    }

    [Fact]
    public async Task Add_refuses_a_link_whose_address_is_no_host_and_keeps_the_good_address()
    {
        using var bob = Core.Identity.NodeIdentity.CreateEphemeral();
        var device = Core.Identity.SyncthingDeviceId.FromCertificate(bob.Certificate);
        var good = new InviteLink(bob.Id, device, "Bob", [new Core.Peers.PeerKey("192.0.2.4", 5001)], null);
        var bad = good with { Addresses = [new Core.Peers.PeerKey("bad host!", 43001)] };

        var (goodCode, _, _) = await CliProcess.RunAsync("add", "--data-dir", _data.Path, good.ToString());
        var (code, _, stderr) = await CliProcess.RunAsync("add", "--data-dir", _data.Path, bad.ToString());

        Assert.Equal((0, 2), (goodCode, code));
        Assert.Equal("cryptosphere: the invite link has a bad address: 'bad host!' is not an IP address or host name", stderr.Trim());
        using var store = Core.Storage.ChatStore.Open(_data.Path);
        Assert.Equal("192.0.2.4:5001", new TrustStore(store).Find(bob.Id)!.LastAddress);
    }
}
