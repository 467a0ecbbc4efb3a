using System.Text.Json;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
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
        // --wait 600: with no member online nothing can be acknowledged, so it does not wait (the run would time out at 30 s).
        var sent = await CliProcess.RunAsync("group", "send", "--data-dir", _data.Path, "--wait", "600", "lab team", "hello lab");
        Assert.True(sent.ExitCode == 0, sent.Stderr);
        Assert.Contains("Stored in lab team: no member is online now; 1 wait in the outbox.", sent.Stdout);

        var history = await CliProcess.RunAsync("history", "--data-dir", _data.Path, "lab team");
        Assert.Contains("you -> #lab team", history.Stdout);
        var outbox = await CliProcess.RunAsync("outbox", "--data-dir", _data.Path);
        Assert.Contains("you -> #lab team", outbox.Stdout);
        var file = Path.Combine(_data.Path, "export.md");
        Assert.Equal(0, (await CliProcess.RunAsync("export", "--data-dir", _data.Path, "--format", "markdown", "--out", file)).ExitCode);
        Assert.Contains("## `#lab team (group:", await File.ReadAllTextAsync(file)); // the heading in a code span (MarkdownExportTests)
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
    public async Task Leaving_twice_says_the_second_time_that_nothing_changed()
    {
        await CreateAsync("team1");

        var first = await CliProcess.RunAsync("group", "leave", "--data-dir", _data.Path, "team1");
        var second = await CliProcess.RunAsync("group", "leave", "--data-dir", _data.Path, "team1");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal("You left team1.", first.Stdout.Trim());
        // As `group add` of a member already in: success, and said plainly that nothing changed.
        Assert.Equal(0, second.ExitCode);
        Assert.Equal("You are not a member of team1; nothing changed.", second.Stdout.Trim());
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

        // Names are unique per admin; another admin's group may still be called the same (it came in a GROUP_STATE).
        var twin = Guid.CreateVersion7().ToString();
        using (var store = ChatStore.Open(_data.Path))
        using (var otherAdmin = NodeIdentity.CreateEphemeral())
            store.SaveGroup(new Group(Guid.Parse(twin), "first", otherAdmin.Id, 1, [new GroupMember(otherAdmin.Id, null, false)], true), otherAdmin.Id);
        var ambiguous = await CliProcess.RunAsync("group", "send", "--data-dir", _data.Path, "first", "hello");
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("'first' names 2 groups", ambiguous.Stderr);
        Assert.Contains(first, ambiguous.Stderr);
        Assert.Contains(twin, ambiguous.Stderr);
    }

    [Fact]
    public async Task Names_are_unique_per_admin_membership_changes_are_idempotent_and_members_are_named()
    {
        Assert.Equal(0, (await CreateGroupAsync("team1")).ExitCode);
        var twin = await CreateGroupAsync("Team1 ");
        Assert.Equal(2, twin.ExitCode);
        Assert.Equal("", twin.Stdout);
        Assert.StartsWith("cryptosphere: you already have a group called team1 (", twin.Stderr);
        Assert.Contains("choose another name", twin.Stderr);

        using var bob = NodeIdentity.CreateEphemeral();
        using var stranger = NodeIdentity.CreateEphemeral();
        RecordContact(bob.Id, "bob", "127.0.0.1:1");
        var added = await GroupAsync("add", "team1", bob.Id.ToString());
        Assert.Equal(0, added.ExitCode);
        Assert.StartsWith("Added bob to team1 (version 2)", added.Stdout);

        var again = await GroupAsync("add", "team1", bob.Id.ToString());
        Assert.Equal(0, again.ExitCode);
        Assert.Equal("bob is already a member of team1; nothing changed (still version 2).", again.Stdout.Trim());
        var notMember = await GroupAsync("remove", "team1", stranger.Id.ToString());
        Assert.Equal(0, notMember.ExitCode);
        Assert.Equal($"{stranger.Id.Short} is not a member of team1; nothing changed (still version 2).", notMember.Stdout.Trim());

        var listed = await GroupAsync("list");
        Assert.Contains("team1 ", listed.Stdout);
        Assert.EndsWith("v2 (you are admin): you (admin), bob", listed.Stdout.Trim());
        var json = JsonDocument.Parse((await GroupAsync("list", "--json")).Stdout).RootElement;
        var group = Assert.Single(json.EnumerateArray());
        Assert.Equal(2, group.GetProperty("version").GetInt64());
        // memberNames pairs with members, in the group's order (not by name).
        Assert.Equal(["bob", "you"], group.GetProperty("memberNames").EnumerateArray().Select(n => n.GetString()!).Order().ToArray());

        var shown = (await GroupAsync("show", "team1")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("team1 (", shown[0]);
        Assert.EndsWith("version 2, admin you", shown[0]);
        Assert.Contains(shown, l => l.Trim().StartsWith("bob  " + bob.Id, StringComparison.Ordinal));

        var removed = await GroupAsync("remove", "team1", bob.Id.ToString());
        Assert.StartsWith("Removed bob from team1 (version 3)", removed.Stdout);
        var removedAgain = await GroupAsync("remove", "team1", bob.Id.ToString());
        Assert.Equal("bob is not a member of team1; nothing changed (still version 3).", removedAgain.Stdout.Trim());
        var alone = await GroupAsync("send", "--wait", "1", "team1", "anyone?");
        Assert.Equal(0, alone.ExitCode);
        Assert.Equal("Stored in team1: it has no other members yet; add some with group add.", alone.Stdout.Trim());
    }

    [Fact]
    public async Task Group_send_without_a_running_node_reaches_online_members_and_counts_their_acknowledgements()
    {
        var bobEvents = new EventWaiter();
        var carolEvents = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        await using var carol = await TestNodes.StartAsync("carol", carolEvents);
        Assert.Equal(0, (await CreateGroupAsync("lab")).ExitCode);
        RecordContact(bob.Identity.Id, "bob", $"127.0.0.1:{bob.Port}");
        RecordContact(carol.Identity.Id, "carol", $"127.0.0.1:{carol.Port}");
        Assert.Equal(0, (await GroupAsync("add", "lab", bob.Identity.Id.ToString())).ExitCode);
        Assert.Equal(0, (await GroupAsync("add", "lab", carol.Identity.Id.ToString())).ExitCode);

        var sent = await GroupAsync("send", "--wait", "60", "lab", "hello both");

        Assert.True(sent.ExitCode == 0, sent.Stderr);
        Assert.Equal("Sent to lab: delivered to 2 of 2 members.", sent.Stdout.Trim());
        await bobEvents.WaitFor<GroupMessageReceived>(m => m.Text == "hello both");
        await carolEvents.WaitFor<GroupMessageReceived>(m => m.Text == "hello both");
        var outbox = await CliProcess.RunAsync("outbox", "--data-dir", _data.Path);
        Assert.Contains("The outbox is empty.", outbox.Stdout);
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> CreateGroupAsync(string name) => GroupAsync("create", name);

    private Task<(int ExitCode, string Stdout, string Stderr)> GroupAsync(string verb, params string[] args) =>
        CliProcess.RunAsync(["group", verb, "--data-dir", _data.Path, .. args]);

    // As if this data directory's node had met the peer: its name and address are in the contacts.
    private void RecordContact(PeerId id, string name, string address)
    {
        using var store = ChatStore.Open(_data.Path);
        new TrustStore(store).RecordContact(id, name, address, DateTimeOffset.UtcNow);
    }

    private async Task<string> CreateAsync(string name)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("group", "create", "--data-dir", _data.Path, name);
        Assert.True(code == 0, stderr);
        return stdout.Split('(', ')')[1];
    }
}
