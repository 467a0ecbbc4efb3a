using System.Text.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// One-off commands while a node runs on the same data directory: they hand their work to it over its
/// control socket and report what really happened. Real processes, real sockets on 127.0.0.1.
/// </summary>
public sealed class RunningNodeCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private async Task<(CliProcess Listen, int Port)> StartListenAsync(params string[] extra)
    {
        var listen = CliProcess.Start(["listen", "--data-dir", _data.Path, "--name", "runner", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json", .. extra]);
        // A process start on a loaded machine can take many seconds.
        var started = await listen.Stdout.WaitForAsync("\"node_started\"", timeout: TimeSpan.FromSeconds(60));
        var port = JsonDocument.Parse(started.Split('\n')[0]).RootElement.GetProperty("port").GetInt32();
        return (listen, port);
    }

    [Fact]
    public async Task Send_is_carried_out_by_the_running_node_and_reports_delivered()
    {
        await using var receiver = await TestNodes.StartAsync("receiver");
        var events = new EventWaiter(receiver);
        var (listen, port) = await StartListenAsync();
        await using var _ = listen;

        // --from-port 4321 would be the sender's address if the one-off sent it itself. --timeout 20: "delivered" needs the
        // acknowledgement within it, and the default 5 s is short for a loaded machine.
        var (code, stdout, stderr) = await CliProcess.RunAsync("send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{receiver.Port}",
            "--name", "scripted", "--from-port", "4321", "--timeout", "20", "via the running node");

        Assert.True(code == 0, stderr);
        Assert.Contains("Delivered to", stdout);
        var received = await events.WaitFor<MessageReceived>(m => m.Text == "via the running node");
        Assert.Equal(new PeerKey("127.0.0.1", port), received.From);
        Assert.Equal("runner", received.Name);
    }

    [Fact]
    public async Task Send_to_an_offline_peer_through_the_running_node_says_queued_and_succeeds()
    {
        var (listen, _) = await StartListenAsync();
        await using var __ = listen;

        var (code, stdout, stderr) = await CliProcess.RunAsync("send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{TestNodes.DeadPort()}",
            "--name", "scripted", "--from-port", "4321", "--timeout", "1", "for later");

        Assert.True(code == 0, stderr);
        Assert.StartsWith("Queued for", stdout);
        Assert.Contains("running node delivers it", stdout);
    }

    // Found from outside: through a running node, text near the frame limit cut the control connection ("Broken pipe",
    // "unreadable request") where the same command without a node said "message too long".
    [Fact]
    public async Task A_message_too_long_is_refused_as_too_long_through_the_running_node_as_without_one()
    {
        var text = new string('A', 1_100_000);
        var offline = await SendFromStdinAsync(text);
        var (listen, _) = await StartListenAsync();
        await using var __ = listen;
        await Eventually.HoldsAsync(() => File.Exists(Path.Combine(_data.Path, "control.sock")), "the control socket exists");

        var (code, stderr) = await SendFromStdinAsync(text);
        var (hugeCode, hugeError) = await SendFromStdinAsync(new string('A', 8_000_000));

        Assert.Contains("message too long", offline.Stderr);
        Assert.Equal(offline.Code, code);
        Assert.Contains("message too long", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        // Larger than any request the node reads: said so in one line, as bad input.
        Assert.Equal(2, hugeCode);
        Assert.Contains("larger than any message it can send", hugeError);
        Assert.Single(hugeError.Trim().Split('\n'));
    }

    private async Task<(int Code, string Stderr)> SendFromStdinAsync(string text)
    {
        await using var cli = CliProcess.Start("send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{TestNodes.DeadPort()}",
            "--name", "scripted", "--from-port", "4321", "--timeout", "1", "-");
        try
        {
            await cli.Stdin.WriteAsync(text);
            cli.Stdin.Close();
        }
        catch (IOException)
        {
            // The command may refuse and exit before it has read all of a text this long.
        }
        return (await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)), cli.Stderr.Text);
    }

    [Fact]
    public async Task Trust_through_the_running_node_shows_the_messages_it_held()
    {
        var (listen, port) = await StartListenAsync("--accept", "trusted");
        await using var _ = listen;
        await using var stranger = await TestNodes.StartAsync("stranger");
        var sent = await stranger.SendAsync(new PeerKey("127.0.0.1", port), "let me in");
        Assert.True(sent.Success, sent.Error);
        await listen.Stdout.WaitForAsync("\"contact_request_received\"", timeout: TimeSpan.FromSeconds(60));
        var mark = listen.Stdout.Mark();

        var (code, stdout, stderr) = await CliProcess.RunAsync("trust", "--data-dir", _data.Path, stranger.Identity.Id.ToString());

        Assert.True(code == 0, stderr);
        Assert.Contains("is now trusted", stdout);
        // Only the running node can show what it held: a database change alone would not.
        var shown = await listen.Stdout.WaitForAsync("let me in", since: mark, timeout: TimeSpan.FromSeconds(60));
        Assert.Contains("\"message_received\"", shown);
    }

    [Fact]
    public async Task Transfers_accept_needs_a_running_node_and_says_so()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("transfers", "accept", "0123", "--data-dir", _data.Path);

        Assert.Equal(1, code);
        Assert.Contains("no node is running", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Transfers_accept_of_an_unknown_id_is_refused_by_the_running_node()
    {
        var (listen, _) = await StartListenAsync();
        await using var __ = listen;

        var (code, _, stderr) = await CliProcess.RunAsync("transfers", "accept", "0123", "--data-dir", _data.Path);

        Assert.Equal(2, code);
        Assert.Contains("no transfer has an ID starting with '0123'", stderr);
    }

    [Theory]
    [InlineData("trust")]
    [InlineData("block")]
    [InlineData("unblock")]
    public async Task Trust_of_an_unknown_prefix_through_the_running_node_is_bad_input_as_without_one(string verb)
    {
        var (offline, _, offlineError) = await CliProcess.RunAsync(verb, "ZZZZZZ", "--data-dir", _data.Path);
        var (listen, _) = await StartListenAsync();
        await using var __ = listen;
        await Eventually.HoldsAsync(() => File.Exists(Path.Combine(_data.Path, "control.sock")), "the control socket exists");

        var (code, stdout, stderr) = await CliProcess.RunAsync(verb, "ZZZZZZ", "--data-dir", _data.Path);

        Assert.Equal(2, offline);
        Assert.Equal(2, code);
        Assert.Equal(offlineError, stderr);
        Assert.Contains("no known peer ID starts with 'ZZZZZZ'", stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task The_control_socket_is_the_owners_only_and_gone_after_a_clean_stop()
    {
        var (listen, _) = await StartListenAsync();
        await using var __ = listen;
        var socket = Path.Combine(_data.Path, "control.sock");
        // The socket is opened just after node_started is printed: under load the test can get there first.
        await Eventually.HoldsAsync(() => File.Exists(socket), "the control socket exists");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
        Assert.False(File.Exists(socket));
    }

    [Fact]
    public async Task A_socket_left_by_a_killed_node_is_ignored_and_send_works_on_its_own()
    {
        var (listen, _) = await StartListenAsync();
        await listen.KillAsync();
        await listen.DisposeAsync();
        Assert.True(File.Exists(Path.Combine(_data.Path, "control.sock")));
        await using var receiver = await TestNodes.StartAsync("receiver");
        var events = new EventWaiter(receiver);

        // --timeout 20: this process's own TLS handshake and the acknowledgement, each within it (default 5 s).
        var (code, stdout, stderr) = await CliProcess.RunAsync("send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{receiver.Port}",
            "--name", "scripted", "--from-port", "4321", "--timeout", "20", "after the crash");

        Assert.True(code == 0, stderr);
        Assert.Contains("Delivered to", stdout);
        var received = await events.WaitFor<MessageReceived>(m => m.Text == "after the crash");
        Assert.Equal(new PeerKey("127.0.0.1", 4321), received.From);
    }
}
