using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// Refusals found from outside with a misleading text or exit code (hunt-A §14): each is one line naming the real
/// reason, exit 2 as other bad input, and nothing changed. The admin adding itself was told "the admin cannot add or
/// remove itself"; a send to a blocked peer "no known address"; a malformed link exited 1; and send-file through the
/// running node said "sends it; waiting..." before the node refused it.
/// </summary>
public sealed class RefusalTextsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data = new();
    private readonly NodeIdentity _blocked = NodeIdentity.CreateEphemeral();

    public void Dispose()
    {
        _blocked.Dispose();
        _data.Dispose();
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        CliProcess.RunAsync([.. args, "--data-dir", _data.Path]);

    private static void Refused(string expected, (int ExitCode, string Stdout, string Stderr) run) =>
        Assert.Equal((2, "", "cryptosphere: " + expected), (run.ExitCode, run.Stdout, run.Stderr.Trim()));

    [Fact]
    public async Task The_admin_adding_or_removing_its_own_id_is_told_so_and_the_group_stays_as_it_was()
    {
        var own = (await RunAsync("id")).Stdout.Trim();
        Assert.Equal(0, (await RunAsync("group", "create", "team")).ExitCode);

        Refused("you cannot add yourself to team: you are already in it, as its admin", await RunAsync("group", "add", "team", own));
        Refused("you cannot remove yourself from team: you are its admin (to stop taking part, leave it)",
            await RunAsync("group", "remove", "team", own[..5]));

        var group = JsonDocument.Parse((await RunAsync("group", "list", "--json")).Stdout).RootElement.EnumerateArray().Single();
        Assert.Equal(1, group.GetProperty("version").GetInt64());
        Assert.True(group.GetProperty("member").GetBoolean());
    }

    [Fact]
    public async Task A_malformed_or_own_invite_link_is_bad_input_and_adds_nothing()
    {
        var ownLink = (await RunAsync("invite", "--port", "5000")).Stdout.Trim();

        Refused("not an invite link: it must start with cryptosphere:invite? (copy the whole link 'cryptosphere invite' printed)",
            await RunAsync("add", "https://example.com/not-a-link"));
        Refused("the invite link has no valid id (peer ID)", await RunAsync("add", "cryptosphere:invite?id=nonsense"));
        Refused("this is your own invite link; add someone else's", await RunAsync("add", ownLink));
        Assert.Equal("[]", (await RunAsync("contacts", "--json")).Stdout.Trim());
    }

    [Fact]
    public async Task A_send_to_a_blocked_peers_id_says_it_is_blocked_and_queues_nothing()
    {
        Assert.Equal(0, (await RunAsync("block", _blocked.Id.ToString())).ExitCode);

        Refused(BlockedText, await RunAsync("send", "--to", _blocked.Id.ToString(), "--name", "me", "--from-port", "4321", "hello?"));

        Assert.Equal("[]", (await RunAsync("outbox", "--json")).Stdout.Trim());
    }

    private string BlockedText => $"{_blocked.Id.Short}... is blocked; to send to it, unblock it first: cryptosphere unblock {_blocked.Id.Short}";

    [Fact]
    public async Task Through_the_running_node_refusals_come_alone_without_the_waiting_line_and_nothing_is_queued()
    {
        var own = (await RunAsync("id")).Stdout.Trim();
        Assert.Equal(0, (await RunAsync("block", _blocked.Id.ToString())).ExitCode);
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "me", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--json");
        await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience);
        var file = Path.Combine(_data.Path, "note.txt");
        await File.WriteAllTextAsync(file, "for nobody");
        Task<(int ExitCode, string Stdout, string Stderr)> SendFileAsync(string to) =>
            RunAsync("send-file", file, "--to", to, "--name", "me", "--from-port", "4321");

        Refused(BlockedText, await RunAsync("send", "--to", _blocked.Id.ToString(), "--name", "me", "--from-port", "4321", "hello?"));
        Refused(BlockedText, await SendFileAsync(_blocked.Id.Short));
        Refused($"{own[..7]}... is this node's own ID: send to another peer", await SendFileAsync(own[..7]));
        var unknown = await SendFileAsync("ZZZZ");
        Assert.Equal((2, ""), (unknown.ExitCode, unknown.Stdout));
        Assert.StartsWith("cryptosphere: invalid --to: 'ZZZZ' is neither HOST:PORT nor a known peer ID", unknown.Stderr);

        Assert.Equal("[]", (await RunAsync("outbox", "--json")).Stdout.Trim());
        Assert.Contains("No transfers", (await RunAsync("transfers")).Stdout);
        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }
}
