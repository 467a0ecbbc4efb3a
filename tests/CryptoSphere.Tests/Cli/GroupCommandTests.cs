using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>The <c>group</c> commands as processes on a temp data directory.</summary>
public sealed class GroupCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Create_add_and_list_a_group_then_refuse_an_unknown_member_prefix()
    {
        var created = await CliProcess.RunAsync("group", "create", "--data-dir", _data.Path, "lab team");
        Assert.Equal(0, created.ExitCode);
        Assert.Contains("Created group lab team", created.Stdout);

        using var member = NodeIdentity.CreateEphemeral();
        var added = await CliProcess.RunAsync("group", "add", "--data-dir", _data.Path, "lab team", member.Id.ToString());
        Assert.Equal(0, added.ExitCode);

        var unknown = await CliProcess.RunAsync("group", "add", "--data-dir", _data.Path, "lab team", "QQQQ");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no known peer ID starts with 'QQQQ'", unknown.Stderr);

        var listed = await CliProcess.RunAsync("group", "list", "--data-dir", _data.Path, "--json");
        var group = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().Single();
        Assert.Equal("lab team", group.GetProperty("name").GetString());
        Assert.True(group.GetProperty("youAreAdmin").GetBoolean());
        Assert.Equal(2, group.GetProperty("version").GetInt64());
        Assert.Contains(group.GetProperty("members").EnumerateArray(), m => m.GetString() == member.Id.ToString());

        var history = await CliProcess.RunAsync("history", "--data-dir", _data.Path, "lab team");
        Assert.Equal(0, history.ExitCode);
        Assert.Contains("No messages.", history.Stdout);
    }

    [Fact]
    public async Task Sending_to_an_unknown_group_fails_clearly()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("group", "send", "--data-dir", _data.Path, "nope", "hello");
        Assert.Equal(1, code);
        Assert.Contains("no group is called or has an ID starting with 'nope'", stderr);
    }
}
