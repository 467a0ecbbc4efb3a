using System.Net;
using System.Text.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>The program as a user runs it: real processes, real sockets on 127.0.0.1.</summary>
public sealed class CliProcessTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static ChatNode NewNode(string name) => new(TestNodes.Options(name));

    [Fact]
    public async Task Send_delivers_one_message_and_exits_zero()
    {
        await using var node = NewNode("receiver");
        await node.StartAsync();
        var events = new EventWaiter(node);

        // --timeout 20: the default 5 s bounds this cold process's TLS handshake and then the acknowledgement, which a loaded
        // machine can exceed; the test is about what is reported, not how fast.
        var (code, stdout, _) = await CliProcess.RunAsync(
            "send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{node.Port}", "--name", "scripted", "--from-port", "4321",
            "--advertise-ip", "127.0.0.1", "--timeout", "20", "line one\nline two");

        Assert.Equal(0, code);
        Assert.Contains("Delivered to", stdout);
        var received = await events.WaitFor<MessageReceived>(_ => true);
        Assert.Equal("line one\nline two", received.Text);
        Assert.Equal(new PeerKey("127.0.0.1", 4321), received.From);
        Assert.Equal(PeerProtocol.Secure, received.Protocol);
    }

    [Fact]
    public async Task Send_to_an_old_peer_falls_back_to_the_exact_legacy_bytes()
    {
        await using var oldPeer = RawLegacyPeer.Start();

        var (code, stdout, _) = await CliProcess.RunAsync(
            "send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{oldPeer.Port}", "--name", "scripted",
            "--from-port", "4321", "--advertise-ip", "127.0.0.1", "hi old friend");

        Assert.Equal(0, code);
        Assert.Contains("unencrypted, unverified", stdout);
        Assert.Equal("<127.0.0.1:4321> @ <scripted>\nhi old friend\n<end>", await oldPeer.ReceiveStringAsync());
    }

    [Fact]
    public async Task Send_to_a_node_that_greets_late_says_it_went_in_plaintext_to_a_CryptoSphere_node()
    {
        using var busyNode = new LateGreeter();
        var connection = busyNode.NextConnectionAsync();

        // --timeout 20: after writing, the sender waits that long (default 5 s) for the late greeting to come.
        var (code, stdout, _) = await CliProcess.RunAsync(
            "send", "--data-dir", _data.Path, "--to", busyNode.Key.ToString(), "--name", "scripted",
            "--from-port", "4321", "--advertise-ip", "127.0.0.1", "--timeout", "20", "hi busy friend");

        Assert.Equal(0, code);
        Assert.Contains("in plaintext", stdout);
        Assert.Contains("is a CryptoSphere node after all", stdout);
        Assert.DoesNotContain("an old peer cannot acknowledge", stdout);
        Assert.Equal("<127.0.0.1:4321> @ <scripted>\nhi busy friend\n<end>", System.Text.Encoding.UTF8.GetString(await connection));
    }

    [Fact]
    public async Task Send_secure_only_to_an_old_peer_fails_and_sends_nothing_in_plaintext()
    {
        await using var oldPeer = RawLegacyPeer.Start();

        var (code, _, stderr) = await CliProcess.RunAsync(
            "send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{oldPeer.Port}", "--name", "scripted",
            "--from-port", "4321", "--secure-only", "secret");

        Assert.Equal(1, code);
        Assert.Contains("--secure-only", stderr);
        await Assert.ThrowsAsync<TimeoutException>(() => oldPeer.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Send_to_a_closed_port_exits_non_zero_with_a_clear_error()
    {
        var port = TestNodes.DeadPort();
        var (code, _, stderr) = await CliProcess.RunAsync(
            "send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{port}", "--name", "x", "--from-port", "4321", "hi");
        Assert.Equal(1, code);
        Assert.Contains($"could not send to 127.0.0.1:{port}", stderr);
    }

    [Theory]
    [InlineData("80")]
    [InlineData("70000")]
    [InlineData("abc")]
    public async Task Ports_outside_the_allowed_range_are_refused(string port)
    {
        var (code, _, stderr) = await CliProcess.RunAsync("listen", "--data-dir", _data.Path, "--name", "x", "--port", port);
        Assert.NotEqual(0, code);
        Assert.Contains("Invalid port", stderr);
    }

    [Fact]
    public async Task Listen_json_prints_one_object_per_event_and_stops_gracefully_on_sigterm()
    {
        var wanted = TestNodes.DeadPort();
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "cli", "--port", wanted.ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json");
        var started = await listen.Stdout.WaitForAsync("\"node_started\"");
        var port = JsonDocument.Parse(started.Split('\n')[0]).RootElement.GetProperty("port").GetInt32();

        // A raw peer that listens, so the goodbye DISCONNECT on shutdown can be seen.
        await using var oldPeer = RawLegacyPeer.Start();
        await RawLegacyPeer.SendAsync(port, $"<127.0.0.1:{oldPeer.Port}> @ <old>\nhi there\n<end>");
        var lines = await listen.Stdout.WaitForAsync("\"message_received\"");
        var message = lines.Split('\n').Select(l => JsonDocument.Parse(l).RootElement)
            .First(e => e.GetProperty("type").GetString() == "message_received");
        Assert.Equal("hi there", message.GetProperty("text").GetString());
        Assert.Equal($"127.0.0.1:{oldPeer.Port}", message.GetProperty("from").GetString());
        Assert.Equal("legacy", message.GetProperty("protocol").GetString());
        // The peer row says how the peer is reached: 127.0.0.1 is this machine, so the LAN.
        var added = (await listen.Stdout.WaitForAsync("\"peer_added\"")).Split('\n').Select(l => JsonDocument.Parse(l).RootElement)
            .First(e => e.GetProperty("type").GetString() == "peer_added");
        Assert.Equal("LAN", added.GetProperty("reach").GetString());

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
        Assert.Equal($"<127.0.0.1:{port}> DISCONNECT", await oldPeer.ReceiveStringAsync());
        Assert.Contains("\"node_stopped\"", listen.Stdout.Text);
    }

    [Fact]
    public async Task Listen_with_strict_port_fails_when_the_port_is_taken()
    {
        var busy = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        try
        {
            var port = ((IPEndPoint)busy.LocalEndpoint).Port;
            var (code, _, stderr) = await CliProcess.RunAsync("listen", "--data-dir", _data.Path, "--name", "x", "--port", port.ToString(),
                "--bind", "127.0.0.1", "--strict-port");
            Assert.Equal(2, code);
            Assert.Contains($"port {port} on 127.0.0.1 is already in use", stderr);
        }
        finally
        {
            busy.Stop();
        }
    }

    [Fact]
    public async Task Menu_reads_piped_answers_and_quits_at_end_of_input()
    {
        await using var peer = NewNode("peer");
        await peer.StartAsync();
        var events = new EventWaiter(peer);
        var port = TestNodes.DeadPort();

        await using var menu = CliProcess.Start("--data-dir", _data.Path, "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1");
        await menu.Stdout.WaitForAsync("Your name: ");
        await menu.Stdin.WriteLineAsync("piped");
        await menu.Stdin.FlushAsync();
        await menu.Stdout.WaitForAsync("Port to listen on");
        await menu.Stdin.WriteLineAsync(port.ToString());
        await menu.Stdin.FlushAsync();
        await menu.Stdout.WaitForAsync("Choice: ");
        foreach (var line in new[] { "1", "127.0.0.1", peer.Port.ToString(), "from a pipe", "exit" })
            await menu.Stdin.WriteLineAsync(line);
        menu.Stdin.Close();

        var received = await events.WaitFor<MessageReceived>(m => m.Text == "from a pipe");
        Assert.Equal("piped", received.Name);
        Assert.Equal(0, await menu.WaitForExitAsync());
        Assert.Contains("Bye.", menu.Stdout.Text);
    }

    [Fact]
    public async Task Menu_in_a_pipe_goes_back_from_every_prompt_and_eats_no_later_line()
    {
        await using var peer = NewNode("peer");
        await peer.StartAsync();
        var events = new EventWaiter(peer);

        await using var menu = CliProcess.Start("--data-dir", _data.Path, "--name", "piped", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1");
        await menu.Stdout.WaitForAsync("Choice: ");
        // Blank and "exit" at the port prompt go back; a mistyped ID is not dialled as a host; then a real chat.
        foreach (var line in new[] { "1", "127.0.0.1", "", "1", "127.0.0.1", "exit", "1", "QQQQQQQ-ZZZZ", "1", "127.0.0.1", peer.Port.ToString(),
                     "  ", "after going back", "exit" })
            await menu.Stdin.WriteLineAsync(line);
        menu.Stdin.Close();

        await events.WaitFor<MessageReceived>(m => m.Text == "after going back");
        Assert.Equal(0, await menu.WaitForExitAsync());
        Assert.Equal(["after going back"], events.All<MessageReceived>().Select(m => m.Text));
        Assert.Contains("'QQQQQQQ-ZZZZ' looks like a peer ID", menu.Stdout.Text);
        Assert.Contains("an empty message is not sent", menu.Stdout.Text);
        Assert.DoesNotContain("is not an option", menu.Stdout.Text);
    }

    [Fact]
    public async Task Send_reads_the_message_from_standard_input()
    {
        await using var node = NewNode("receiver");
        await node.StartAsync();
        var events = new EventWaiter(node);

        foreach (var args in new[] { new[] { "-" }, Array.Empty<string>() })
        {
            // Exit 0 needs the acknowledgement: within --timeout (default 5 s, too short for a loaded machine).
            await using var send = CliProcess.Start([
                "send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{node.Port}", "--name", "piper", "--from-port", "4321", "--timeout", "20",
                .. args]);
            await send.Stdin.WriteAsync($"piped line one\npiped line two {args.Length}\n");
            send.Stdin.Close();
            Assert.Equal(0, await send.WaitForExitAsync());
            await events.WaitFor<MessageReceived>(m => m.Text == $"piped line one\npiped line two {args.Length}");
        }
    }
}
