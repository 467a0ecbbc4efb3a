using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// <c>--name</c> is checked as the menu's name prompt checks it (OwnName): it goes to every peer, and into the legacy
/// header "&lt;ip:port&gt; @ &lt;name&gt;\n", where "Evil&gt;\nINJECTED\n&lt;end&gt;" forged the message an old peer read.
/// </summary>
public sealed class NameOptionTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("", "cannot be empty")]
    [InlineData("   ", "cannot be empty")]
    [InlineData("Evil>\nINJECTED\n<end>", "'<' or '>'")]
    [InlineData("Evil\nINJECTED", "control characters")]
    [InlineData("Ev\u001b[2Jil", "control characters")]
    [InlineData("tab\there", "control characters")]
    public void A_name_that_is_empty_has_controls_or_header_brackets_is_refused(string name, string problem) =>
        Assert.Contains(problem, OwnName.Problem(name));

    [Theory]
    [InlineData("alice")]
    [InlineData("Team Rocket (lab 3)")]
    [InlineData("caf\u00e9 \ud83d\ude00")]
    public void An_ordinary_name_is_accepted(string name) => Assert.Null(OwnName.Problem(name));

    [Fact]
    public async Task Send_refuses_a_name_that_would_inject_into_the_legacy_header_and_sends_nothing()
    {
        await using var oldPeer = RawLegacyPeer.Start();

        var (code, _, stderr) = await CliProcess.RunAsync("send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{oldPeer.Port}",
            "--name", "Evil>\nINJECTED\n<end>", "--from-port", TestNodes.DeadPort().ToString(), "body");

        Assert.Equal(2, code);
        Assert.Contains("--name: the name cannot contain '<' or '>'", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(0, oldPeer.Connections);
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("menu")]
    public async Task A_node_does_not_start_with_an_empty_or_control_character_name(string command)
    {
        foreach (var name in new[] { "", "Ev\u001b[2Jil" })
        {
            string[] args = ["--data-dir", _data.Path, "--name", name, "--port", TestNodes.DeadPort().ToString(), "--bind", "127.0.0.1"];
            var (code, stdout, stderr) = await CliProcess.RunAsync(command == "menu" ? args : ["listen", .. args]);

            Assert.Equal(2, code);
            Assert.StartsWith("cryptosphere: --name: the name cannot", stderr);
            Assert.DoesNotContain("Listening", stdout + stderr);
        }
    }
}
