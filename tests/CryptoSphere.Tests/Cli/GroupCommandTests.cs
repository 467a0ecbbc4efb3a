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
        Assert.Equal(2, unknown.ExitCode);
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
    public async Task A_group_message_is_labelled_with_the_group_in_history_outbox_and_export()
    {
        Assert.Equal(0, (await CliProcess.RunAsync("group", "create", "--data-dir", _data.Path, "lab team")).ExitCode);
        using var member = NodeIdentity.CreateEphemeral();
        Assert.Equal(0, (await CliProcess.RunAsync("group", "add", "--data-dir", _data.Path, "lab team", member.Id.ToString())).ExitCode);
        var sent = await CliProcess.RunAsync("group", "send", "--data-dir", _data.Path, "--wait", "1", "lab team", "hello lab");
        Assert.True(sent.ExitCode == 0, sent.Stderr);

        var history = await CliProcess.RunAsync("history", "--data-dir", _data.Path, "lab team");
        Assert.Contains("you -> #lab team", history.Stdout);
        var outbox = await CliProcess.RunAsync("outbox", "--data-dir", _data.Path);
        Assert.Contains("you -> #lab team", outbox.Stdout);
        var file = Path.Combine(_data.Path, "export.md");
        Assert.Equal(0, (await CliProcess.RunAsync("export", "--data-dir", _data.Path, "--format", "markdown", "--out", file)).ExitCode);
        Assert.Contains("## #lab team (group:", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Sending_to_an_unknown_group_fails_clearly()
    {
        Assert.Equal(0, (await CliProcess.RunAsync("id", "--data-dir", _data.Path)).ExitCode);
        var (code, _, stderr) = await CliProcess.RunAsync("group", "send", "--data-dir", _data.Path, "nope", "hello");
        Assert.Equal(2, code);
        Assert.Contains("no group is called or has an ID starting with 'nope'", stderr);
    }

    [Fact]
    public async Task A_name_wins_over_an_ID_prefix_and_an_ambiguous_name_lists_the_candidates()
    {
        var first = await CreateAsync("first");
        // A group whose name is the start of the other group's ID: `2024` must mean the group called 2024.
        var prefixName = first[..6];
        var named = await CreateAsync(prefixName);

        var left = await CliProcess.RunAsync("group", "leave", "--data-dir", _data.Path, prefixName);
        Assert.Equal(0, left.ExitCode);
        var groups = JsonDocument.Parse((await CliProcess.RunAsync("group", "list", "--data-dir", _data.Path, "--json")).Stdout).RootElement
            .EnumerateArray().ToDictionary(g => g.GetProperty("id").GetString()!, g => g.GetProperty("member").GetBoolean());
        Assert.False(groups[named]);
        Assert.True(groups[first]);

        var twin = await CreateAsync("first");
        var ambiguous = await CliProcess.RunAsync("group", "send", "--data-dir", _data.Path, "first", "hello");
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("'first' names 2 groups", ambiguous.Stderr);
        Assert.Contains(first, ambiguous.Stderr);
        Assert.Contains(twin, ambiguous.Stderr);
    }

    private async Task<string> CreateAsync(string name)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("group", "create", "--data-dir", _data.Path, name);
        Assert.True(code == 0, stderr);
        return stdout.Split('(', ')')[1];
    }
}
