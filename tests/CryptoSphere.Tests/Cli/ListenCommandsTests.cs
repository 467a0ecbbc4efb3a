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

    [Fact]
    public async Task Send_lines_are_delivered_and_a_bad_line_is_reported_by_its_number()
    {
        await using var receiver = new ChatNode(TestNodes.Options("receiver"));
        await receiver.StartAsync();
        var events = new EventWaiter(receiver);
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "driven", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json", "--commands");
        await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience);

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
        await listen.Stdout.WaitUntilAsync(t => t.Split('\n').Count(l => l.Contains("\"message_delivered\"")) == 2, "both sends acknowledged", timeout: Patience);

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }
}
