using System.Text.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary><c>listen --commands</c> as a script drives it: lines on standard input, event lines on standard output.</summary>
public sealed class ListenCommandsTests : IDisposable
{
    // A process start, a TLS handshake and a database on a machine that may be busy: wait generously.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    // `listen --json --commands` on this test's data directory, once it has said it started.
    private async Task<CliProcess> StartDrivenAsync()
    {
        var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "driven", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json", "--commands");
        try
        {
            await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience);
            return listen;
        }
        catch
        {
            await listen.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task A_send_to_an_old_peer_says_it_went_and_one_kept_for_later_says_queued_not_failed()
    {
        // Found from outside: a legacy send printed nothing, and a message kept for a peer that was away printed
        // command_failed, so a script would have sent it again.
        await using var old = RawLegacyPeer.Start();
        await using var listen = await StartDrivenAsync();

        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{old.Port} for the old peer");
        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{TestNodes.DeadPort()} for later");
        await listen.Stdin.FlushAsync();

        Assert.Contains("for the old peer", await old.ReceiveStringAsync(Patience));
        await listen.Stdout.WaitUntilAsync(t => t.Contains("\"command_sent\"") && t.Contains("\"command_queued\"") && t.Contains("\"send_failed\""),
            "both outcomes and the node's own event", timeout: Patience);
        var lines = listen.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var sent = lines.Single(e => e.GetProperty("type").GetString() == "command_sent");
        var queued = lines.Single(e => e.GetProperty("type").GetString() == "command_queued");
        Assert.Equal(1, sent.GetProperty("line").GetInt32());
        Assert.Equal($"127.0.0.1:{old.Port}", sent.GetProperty("to").GetString());
        Assert.Equal(2, queued.GetProperty("line").GetInt32());
        Assert.Contains("queued", queued.GetProperty("reason").GetString());
        Assert.DoesNotContain(lines, e => e.GetProperty("type").GetString() == "command_failed");
        // The node's own event for the same send says it stays queued, not that it failed for good.
        var notYet = lines.First(e => e.GetProperty("type").GetString() == "send_failed");
        Assert.True(notYet.GetProperty("queued").GetBoolean());

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }

    [Fact]
    public async Task Send_lines_are_delivered_and_a_bad_line_is_reported_by_its_number()
    {
        var events = new EventWaiter();
        await using var receiver = await TestNodes.StartAsync("receiver", events);
        await using var listen = await StartDrivenAsync();

        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{receiver.Port} first words");
        await listen.Stdin.WriteLineAsync("sned 127.0.0.1:1 typo");
        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{receiver.Port} second words");
        await listen.Stdin.FlushAsync();

        var first = await events.WaitFor<MessageReceived>(m => m.Text == "first words", Patience);
        await events.WaitFor<MessageReceived>(m => m.Text == "second words", Patience);
        Assert.Equal(PeerProtocol.Secure, first.Protocol);
        var failed = await listen.Stdout.WaitForAsync("\"command_failed\"", timeout: Patience);
        var failure = failed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("type").GetString() == "command_failed");
        Assert.Equal(2, failure.GetProperty("line").GetInt32());
        await listen.Stdout.WaitUntilAsync(t => t.Split('\n').Count(l => l.Contains("\"message_delivered\"")) == 2
                                                && t.Split('\n').Count(l => l.Contains("\"command_accepted\"")) == 2, "both sends acknowledged", timeout: Patience);
        // Found from outside: a send delivered at once printed message_delivered alone, which has no input line, so a
        // script could not tell which of its lines were delivered. command_accepted ties the line to the message ID.
        var printed = listen.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var accepted = printed.Where(e => e.GetProperty("type").GetString() == "command_accepted")
            .ToDictionary(e => e.GetProperty("line").GetInt32(), e => e.GetProperty("messageId").GetString());
        var delivered = printed.Where(e => e.GetProperty("type").GetString() == "message_delivered").Select(e => e.GetProperty("messageId").GetString());
        Assert.Equal([1, 3], accepted.Keys.Order());
        Assert.Equal(accepted.Values.Order(), delivered.Order());

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }

    [Fact]
    public async Task A_group_send_line_reaches_the_member_and_an_unknown_group_is_reported_by_its_line_number()
    {
        var events = new EventWaiter();
        await using var member = await TestNodes.StartAsync("member", events);
        await using var listen = await StartDrivenAsync();
        // As a user makes a group: talk to the member once, then create the group and add it while the node runs.
        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{member.Port} hello");
        await listen.Stdin.FlushAsync();
        await listen.Stdout.WaitForAsync("\"message_delivered\"", timeout: Patience);
        Assert.Equal(0, (await CliProcess.RunAsync("group", "create", "--data-dir", _data.Path, "lab")).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync("group", "add", "--data-dir", _data.Path, "lab", member.Identity.Id.ToString())).ExitCode);
        var joined = await events.WaitFor<GroupChanged>(g => g.Group.Name == "lab" && g.Group.IsMember, Patience);

        await listen.Stdin.WriteLineAsync("group-send lab hello lab");
        await listen.Stdin.WriteLineAsync("group-send nosuchgroup lost words");
        await listen.Stdin.FlushAsync();

        var received = await events.WaitFor<GroupMessageReceived>(m => m.Text == "hello lab", Patience);
        Assert.Equal(joined.Group.Id, received.GroupId);
        // The member's acknowledgement is the sender's second message_delivered line, for the group message's ID.
        await listen.Stdout.WaitUntilAsync(t => t.Split('\n').Any(l => l.Contains("\"message_delivered\"") && l.Contains(received.MessageId.ToString())),
            "the group message acknowledged", timeout: Patience);
        var failed = await listen.Stdout.WaitForAsync("\"command_failed\"", timeout: Patience);
        var failure = failed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("type").GetString() == "command_failed");
        Assert.Equal(3, failure.GetProperty("line").GetInt32());
        Assert.Contains("nosuchgroup", failure.GetProperty("error").GetString());
        Assert.DoesNotContain(events.All<GroupMessageReceived>(), m => m.Text == "lost words");

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }

    [Fact]
    public async Task A_blank_message_and_a_privileged_port_are_refused_by_their_line_numbers_and_nothing_blank_is_sent()
    {
        var events = new EventWaiter();
        await using var receiver = await TestNodes.StartAsync("receiver", events);
        await using var listen = await StartDrivenAsync();

        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{receiver.Port}    ");
        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{receiver.Port} ");
        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{receiver.Port}");
        await listen.Stdin.WriteLineAsync("group-send nosuchgroup \t");
        await listen.Stdin.WriteLineAsync("send 127.0.0.1:1 hi");
        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{receiver.Port} words");
        await listen.Stdin.FlushAsync();

        await events.WaitFor<MessageReceived>(m => m.Text == "words", Patience);
        var output = await listen.Stdout.WaitUntilAsync(t => t.Split('\n').Count(l => l.Contains("\"command_failed\"")) == 5,
            "five lines refused", timeout: Patience);
        var failures = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "command_failed")
            .ToDictionary(e => e.GetProperty("line").GetInt32(), e => e.GetProperty("error").GetString());
        // The wording send and group send use for an empty message.
        foreach (var line in new[] { 1, 2, 3, 4 })
            Assert.Equal("an empty message is not sent; write some text", failures[line]);
        Assert.Contains("port 1 is outside 1024-65535", failures[5]);
        Assert.DoesNotContain("neither", failures[5]);
        Assert.DoesNotContain(events.All<MessageReceived>(), m => string.IsNullOrWhiteSpace(m.Text));

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }
}
