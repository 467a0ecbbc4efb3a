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
        Assert.True(DateTimeOffset.TryParse(contact.GetProperty("lastSeen").GetString(), out _));
    }

    [Theory]
    [InlineData(0, "0 messages")]
    [InlineData(1, "1 message")]
    [InlineData(2, "2 messages")]
    public void Counts_agree_with_their_noun(int count, string expected) =>
        Assert.Equal(expected, Counted.Of(count, "message"));
}
