using System.Text.Json;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// Sending a message or a file to the node's own ID or address, through the running node: refused at once, as <c>trust</c> refuses the
/// own ID, and nothing queued. Found from outside: both were accepted, reported as sent, kept in the outbox, and the
/// node then dialled itself every retry and greeted itself as a peer.
/// </summary>
public sealed class SendToSelfTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private async Task<(int ExitCode, string Stdout, string Stderr)> SendAsync(string to) =>
        await CliProcess.RunAsync("send", "--data-dir", _data.Path, "--to", to, "--name", "me", "--from-port", "4321", "to myself");

    [Fact]
    public async Task The_own_id_and_address_are_refused_by_send_send_file_and_listen_commands_and_nothing_is_queued()
    {
        var ownId = (await CliProcess.RunAsync("id", "--data-dir", _data.Path)).Stdout.Trim();
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "me", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json", "--commands");
        var started = await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience);
        var port = JsonDocument.Parse(started.Split('\n')[0]).RootElement.GetProperty("port").GetInt32();

        foreach (var (to, expected) in new[]
                 {
                     ($"127.0.0.1:{port}", $"cryptosphere: 127.0.0.1:{port} is this node's own address: send to another peer"),
                     ($"localhost:{port}", $"cryptosphere: localhost:{port} is this node's own address: send to another peer"),
                     (ownId[..4], $"cryptosphere: {ownId[..7]}... is this node's own ID: send to another peer"),
                     (ownId, $"cryptosphere: {ownId[..7]}... is this node's own ID: send to another peer"),
                 })
        {
            var (code, stdout, stderr) = await SendAsync(to);
            Assert.Equal((2, "", expected), (code, stdout, stderr.Trim()));
        }

        await listen.Stdin.WriteLineAsync($"send 127.0.0.1:{port} line to myself");
        await listen.Stdin.WriteLineAsync($"send {ownId[..7]} line to my ID");
        await listen.Stdin.FlushAsync();
        await listen.Stdout.WaitUntilAsync(t => t.Split("\"command_failed\"").Length == 3, "both lines refused", timeout: Patience);
        var failed = listen.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "command_failed").ToList();
        Assert.Contains("is this node's own address", failed.Single(e => e.GetProperty("line").GetInt32() == 1).GetProperty("error").GetString());
        Assert.Contains("is this node's own ID", failed.Single(e => e.GetProperty("line").GetInt32() == 2).GetProperty("error").GetString());

        // A file offered to itself, through the running node: the same refusal, and no transfer.
        var file = Path.Combine(_data.Path, "note.txt");
        await File.WriteAllTextAsync(file, "to myself");
        foreach (var to in new[] { $"127.0.0.1:{port}", ownId[..4] })
        {
            var (code, _, stderr) = await CliProcess.RunAsync("send-file", file, "--data-dir", _data.Path, "--to", to, "--name", "me", "--from-port", "4321");
            Assert.Equal(2, code);
            Assert.Contains(to.Contains(':') ? "is this node's own address" : "is this node's own ID", stderr);
        }
        Assert.Contains("No transfers", (await CliProcess.RunAsync("transfers", "--data-dir", _data.Path)).Stdout);

        var outbox = await CliProcess.RunAsync("outbox", "--json", "--data-dir", _data.Path);
        Assert.Equal("[]", outbox.Stdout.Trim());
        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }
}
