using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary><c>mailbox use|stop-using|serve|stop-serving|status</c> as processes on a temp data directory.</summary>
public sealed class MailboxCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] args) =>
        CliProcess.RunAsync(["mailbox", .. args, "--data-dir", _data.Path]);

    [Fact]
    public async Task Serve_and_use_need_a_trusted_contact_and_a_refusal_creates_nothing()
    {
        var stranger = NodeIdentity.CreateEphemeral().Id.ToString();

        // An empty folder is no data directory yet: refused as for any stranger, and not started for the refusal.
        var serve = await Run("serve", stranger);
        var use = await Run("use", stranger);
        var status = await Run("status");

        Assert.Equal(1, serve.ExitCode);
        Assert.Contains("not a trusted contact", serve.Stderr);
        Assert.Equal(1, use.ExitCode);
        Assert.Contains("not a trusted contact", use.Stderr);
        Assert.Equal(2, status.ExitCode);
        Assert.Contains("has no CryptoSphere data", status.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_data.Path));

        // A data directory that exists gets no mailbox.db for a refusal, a removal of nothing, or a look at the status.
        Assert.Equal(0, (await CliProcess.RunAsync("id", "--data-dir", _data.Path)).ExitCode);
        Assert.Equal(1, (await Run("serve", stranger)).ExitCode);
        Assert.Equal(1, (await Run("use", stranger)).ExitCode);
        Assert.Equal(1, (await Run("stop-using", stranger)).ExitCode);
        Assert.Equal(1, (await Run("stop-serving", stranger)).ExitCode);
        status = await Run("status");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Holding mail for: nobody", status.Stdout);
        Assert.Contains("Your mailboxes: none", status.Stdout);
        Assert.False(File.Exists(_data.Combine(MailboxStore.FileName)), "a mailbox command that changed nothing created mailbox.db");
    }

    [Fact]
    public async Task Own_id_is_refused_as_such_a_refusal_names_its_reason_and_a_repeat_says_already()
    {
        var own = (await CliProcess.RunAsync("id", "--data-dir", _data.Path)).Stdout.Trim();
        var stranger = NodeIdentity.CreateEphemeral().Id.ToString();

        var useOwn = await Run("use", own);
        var serveOwn = await Run("serve", own);
        var useStranger = await Run("use", stranger);

        Assert.Equal(2, useOwn.ExitCode);
        Assert.Contains("is your own ID", useOwn.Stderr);
        Assert.Equal(2, serveOwn.ExitCode);
        Assert.Contains("is your own ID", serveOwn.Stderr);
        Assert.Equal(1, useStranger.ExitCode);
        Assert.Contains("it is not a trusted contact (trust it first", useStranger.Stderr);
        Assert.DoesNotContain("mailboxes are in use", useStranger.Stderr);

        Assert.Equal(0, (await CliProcess.RunAsync("trust", "--data-dir", _data.Path, stranger)).ExitCode);
        Assert.Contains("will be asked to hold your mail", (await Run("use", stranger)).Stdout);
        var useAgain = await Run("use", stranger);
        Assert.Equal(0, useAgain.ExitCode);
        Assert.Contains("is already one of your mailboxes", useAgain.Stdout);
        Assert.Contains("once it asks", (await Run("serve", stranger)).Stdout);
        var serveAgain = await Run("serve", stranger, "--max-envelopes", "7");
        Assert.Equal(0, serveAgain.ExitCode);
        Assert.Contains("Already agreed to hold mail for", serveAgain.Stdout);
        Assert.Contains("quota now: up to 7 envelopes", serveAgain.Stdout);
    }

    [Fact]
    public async Task Serve_with_a_quota_shows_in_status_and_stop_serving_removes_it()
    {
        var peer = NodeIdentity.CreateEphemeral().Id;
        Assert.Equal(0, (await CliProcess.RunAsync("trust", "--data-dir", _data.Path, peer.ToString())).ExitCode);

        var serve = await Run("serve", peer.Short, "--max-envelopes", "50", "--max-mb", "2", "--expiry-days", "3");
        var status = await Run("status");

        Assert.Equal(0, serve.ExitCode);
        Assert.Contains(peer.ToString(), status.Stdout);
        Assert.Contains("agreed; has not asked yet", status.Stdout);
        Assert.Contains("0/50 envelopes", status.Stdout);
        Assert.Contains("0/2048 KB", status.Stdout);
        Assert.Contains("kept 3 days", status.Stdout);

        Assert.Equal(0, (await Run("stop-serving", peer.Value)).ExitCode);
        Assert.Contains("Holding mail for: nobody", (await Run("status")).Stdout);
    }

    [Fact]
    public async Task Stop_serving_a_peer_never_served_says_so_with_stop_usings_exit_code()
    {
        // Found from outside: it said "Stopped serving ...; 0 envelopes dropped." and exit 0 for a peer never served.
        var served = NodeIdentity.CreateEphemeral().Id;
        var never = NodeIdentity.CreateEphemeral().Id;
        foreach (var peer in new[] { served, never })
            Assert.Equal(0, (await CliProcess.RunAsync("trust", "--data-dir", _data.Path, peer.ToString())).ExitCode);
        Assert.Equal(0, (await Run("serve", served.ToString())).ExitCode);

        var stopNever = await Run("stop-serving", never.ToString());
        var stopUsing = await Run("stop-using", never.ToString());

        Assert.Equal($"cryptosphere: {never} was not a peer you hold mail for", stopNever.Stderr.Trim());
        Assert.Equal("", stopNever.Stdout);
        Assert.Equal(stopUsing.ExitCode, stopNever.ExitCode);
        Assert.NotEqual(0, stopNever.ExitCode);
        Assert.Contains(served.ToString(), (await Run("status")).Stdout);

        var stopServed = await Run("stop-serving", served.ToString());
        Assert.Equal(0, stopServed.ExitCode);
        Assert.Equal($"Stopped serving {served}; 0 envelopes dropped.", stopServed.Stdout.Trim());
    }

    [Fact]
    public async Task Bad_quotas_are_one_line_errors_and_record_nothing()
    {
        var peer = NodeIdentity.CreateEphemeral().Id.ToString();
        await CliProcess.RunAsync("trust", "--data-dir", _data.Path, peer);

        var zero = await Run("serve", peer, "--max-envelopes", "0");
        var forever = await Run("serve", peer, "--expiry-days", "9999");

        Assert.Equal(2, zero.ExitCode);
        Assert.Single(zero.Stderr.Trim().Split('\n'));
        Assert.Contains("at least 1", zero.Stderr);
        Assert.Equal(2, forever.ExitCode);
        Assert.Contains("365 days", forever.Stderr);
        Assert.DoesNotContain("   at ", zero.Stderr + forever.Stderr);
        Assert.Contains("Holding mail for: nobody", (await Run("status")).Stdout);
    }

    [Fact]
    public async Task Use_records_the_mailbox_in_an_owner_only_database()
    {
        var peer = NodeIdentity.CreateEphemeral().Id;
        await CliProcess.RunAsync("trust", "--data-dir", _data.Path, peer.ToString());

        Assert.Equal(0, (await Run("use", peer.ToString())).ExitCode);
        var status = await Run("status");

        Assert.Contains($"{peer}  not answered yet", status.Stdout);
        using (var store = MailboxStore.Open(_data.Path, _ => true))
            Assert.Equal(peer, Assert.Single(store.Used()).Mailbox);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_data.Combine(MailboxStore.FileName)));
        Assert.Equal(0, (await Run("stop-using", peer.Short)).ExitCode);
        Assert.Equal(1, (await Run("stop-using", peer.Short)).ExitCode);
    }

    [Fact]
    public async Task Outbox_says_which_mailbox_holds_a_waiting_message()
    {
        const string text = "held for bob at m";
        var aliceDir = _data.Path;
        PeerId aliceId;
        using (var identity = NodeIdentity.LoadOrCreate(aliceDir))
            aliceId = identity.Id;
        using var others = new TempDirectory();
        await using (var m = await StoredNode.StartAsync("m", others.Combine("m")))
        {
            var bob = await Mailbox.MailboxNodeTests.BobUsesMAsync(m, others.Combine("bob"), aliceId);
            await Mailbox.MailboxNodeTests.AliceLeavesForBobAsync(aliceDir, m, bob, text);
        }

        var outbox = await CliProcess.RunAsync("outbox", "--data-dir", aliceDir);
        var json = await CliProcess.RunAsync("outbox", "--json", "--data-dir", aliceDir);

        Assert.Equal(0, outbox.ExitCode);
        Assert.Contains(outbox.Stdout.Split('\n'), l => l.Contains(text, StringComparison.Ordinal) && l.Contains("; held by mailbox m)", StringComparison.Ordinal));
        var row = Assert.Single(System.Text.Json.JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray());
        Assert.Single(row.GetProperty("heldBy").EnumerateArray());
    }
}
