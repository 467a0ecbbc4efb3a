using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// Found from outside (hunt-B D8, D9): `group add` after the admin's `group leave` silently wrote the admin back in,
/// and `group remove` refused the short ID `group show` lists for a member never met.
/// </summary>
public sealed class GroupLeftAndShortIdCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private Task<(int ExitCode, string Stdout, string Stderr)> GroupAsync(string verb, params string[] args) =>
        CliProcess.RunAsync(["group", verb, "--data-dir", _data.Path, .. args]);

    [Fact]
    public async Task After_group_leave_add_and_remove_are_refused_and_nothing_changes()
    {
        Assert.Equal(0, (await GroupAsync("create", "team")).ExitCode);
        using var bob = NodeIdentity.CreateEphemeral();
        using var carol = NodeIdentity.CreateEphemeral();
        Assert.Equal(0, (await GroupAsync("add", "team", bob.Id.ToString())).ExitCode);
        Assert.Equal(0, (await GroupAsync("leave", "team")).ExitCode);

        var added = await GroupAsync("add", "team", carol.Id.ToString());
        var removed = await GroupAsync("remove", "team", bob.Id.ToString());

        foreach (var refused in new[] { added, removed })
        {
            // Exit 2, as the other refusals of group commands (a non-admin's add, the admin adding itself).
            Assert.Equal(2, refused.ExitCode);
            Assert.Equal("", refused.Stdout);
            Assert.StartsWith("cryptosphere: you left team;", refused.Stderr);
        }
        var group = JsonDocument.Parse((await GroupAsync("list", "--json")).Stdout).RootElement.EnumerateArray().Single();
        Assert.False(group.GetProperty("member").GetBoolean());
        Assert.Equal(2, group.GetProperty("version").GetInt64());
        var members = group.GetProperty("members").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains(bob.Id.ToString(), members);
        Assert.DoesNotContain(carol.Id.ToString(), members);
    }

    [Fact]
    public async Task A_member_never_met_is_removed_by_the_short_id_group_show_lists()
    {
        Assert.Equal(0, (await GroupAsync("create", "team")).ExitCode);
        using var stranger = NodeIdentity.CreateEphemeral();
        Assert.Equal(0, (await GroupAsync("add", "team", stranger.Id.ToString())).ExitCode);
        var shown = (await GroupAsync("show", "team")).Stdout;
        Assert.Contains($"{stranger.Id.Short}  {stranger.Id}", shown);

        var removed = await GroupAsync("remove", "team", stranger.Id.Short);

        Assert.True(removed.ExitCode == 0, removed.Stderr);
        Assert.StartsWith($"Removed {stranger.Id.Short} from team (version 3)", removed.Stdout);
        // Re-added the same way: a removed member stays in the group's list, so its short ID still names it.
        var readded = await GroupAsync("add", "team", stranger.Id.Short.ToLowerInvariant());
        Assert.True(readded.ExitCode == 0, readded.Stderr);
        Assert.StartsWith($"Added {stranger.Id.Short} to team (version 4)", readded.Stdout);
    }
}
