using System.Text.Json;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// <c>listen --commands</c>: a line "send" or "group-send" without its arguments says what is missing; it was
/// "unknown command", although the command is known (hunt-A item 14). A word that is no command still is unknown.
/// </summary>
public sealed class ListenCommandWithoutArgumentsTests : IDisposable
{
    // A process start, a TLS handshake and a database on a machine that may be busy: wait generously.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Send_and_group_send_alone_are_missing_arguments_and_a_typo_is_unknown()
    {
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "driven", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json", "--commands");
        await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience);

        await listen.Stdin.WriteLineAsync("send");
        await listen.Stdin.WriteLineAsync("group-send");
        await listen.Stdin.WriteLineAsync("sned 127.0.0.1:5000 hi");
        await listen.Stdin.FlushAsync();

        var output = await listen.Stdout.WaitUntilAsync(t => t.Split('\n').Count(l => l.Contains("\"command_failed\"")) == 3,
            "three lines refused", timeout: Patience);
        var failures = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "command_failed")
            .ToDictionary(e => e.GetProperty("line").GetInt32(), e => e.GetProperty("error").GetString());
        Assert.Equal("send needs a target and a text; expected: send TARGET TEXT", failures[1]);
        Assert.Equal("group-send needs a group and a text; expected: group-send GROUP TEXT", failures[2]);
        Assert.StartsWith("unknown command", failures[3]);

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }
}
