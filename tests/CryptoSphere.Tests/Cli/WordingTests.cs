using System.Text.Json;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>The same thing is called the same everywhere, counts read as English, JSON reads as written.</summary>
public sealed class WordingTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Contacts_text_and_json_name_the_trust_state_alike_and_json_times_are_not_escaped()
    {
        var other = NodeIdentity.CreateEphemeral().Id;
        Assert.Equal(0, (await CliProcess.RunAsync("trust", "--data-dir", _data.Path, other.ToString())).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync("unblock", "--data-dir", _data.Path, other.ToString())).ExitCode);

        var json = await CliProcess.RunAsync("contacts", "--data-dir", _data.Path, "--json");
        var text = await CliProcess.RunAsync("contacts", "--data-dir", _data.Path);

        var contact = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().Single();
        var state = contact.GetProperty("state").GetString()!;
        Assert.Equal("unknown", state);
        var line = text.Stdout.Split('\n').Single(l => l.StartsWith(other.ToString(), StringComparison.Ordinal));
        Assert.Contains($" {state} ", line);
        Assert.DoesNotContain("\\u002B", json.Stdout);
        Assert.True(DateTimeOffset.TryParse(contact.GetProperty("firstSeen").GetString(), out _));
    }

    [Fact]
    public void A_send_that_stays_queued_is_not_called_failed()
    {
        var to = new CryptoSphere.Core.Peers.PeerKey("127.0.0.1", 5000);
        var queued = EventText.Describe(new CryptoSphere.Core.Node.SendFailed(DateTimeOffset.UnixEpoch, to, "connection refused", Queued: true))!;
        var failed = EventText.Describe(new CryptoSphere.Core.Node.SendFailed(DateTimeOffset.UnixEpoch, to, "connection refused"))!;

        // Told "could not send", a user sends it again, and the old peer shows it twice once it is back.
        Assert.DoesNotContain("Could not send", queued, StringComparison.Ordinal);
        Assert.Contains("stays queued", queued, StringComparison.Ordinal);
        Assert.Contains("connection refused", queued, StringComparison.Ordinal);
        Assert.StartsWith("Could not send to 127.0.0.1:5000", failed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "0 messages")]
    [InlineData(1, "1 message")]
    [InlineData(2, "2 messages")]
    public void Counts_agree_with_their_noun(int count, string expected) =>
        Assert.Equal(expected, Counted.Of(count, "message"));
}
