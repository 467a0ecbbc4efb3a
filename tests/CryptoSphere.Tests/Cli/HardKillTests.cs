using System.Text.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// The real program killed with SIGKILL while messages wait in its outbox: a "Queued for" line on screen
/// means the message is on disk, and the next run delivers every one of them, once, in order.
/// </summary>
public sealed class HardKillTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _a = new();
    private readonly TempDirectory _b = new();

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private static async Task SendLineAsync(CliProcess process, string line)
    {
        await process.Stdin.WriteLineAsync(line);
        await process.Stdin.FlushAsync();
    }

    [Fact]
    public async Task A_sender_killed_hard_delivers_every_queued_message_exactly_once_after_restart()
    {
        const int n = 5;
        var texts = Enumerable.Range(1, n).Select(i => $"m{i}").ToArray();

        // B, reachable once so that A learns its ID and address.
        int port;
        await using (var b = await StoredNode.StartAsync("bob", _b.Path))
        {
            port = b.Port;
            // Exit 0 needs the TLS handshake and the acknowledgement, each within --timeout (default 5 s, short under load).
            var first = await CliProcess.RunAsync("send", "--data-dir", _a.Path, "--to", $"127.0.0.1:{port}", "--name", "a",
                "--from-port", TestNodes.DeadPort().ToString(), "--advertise-ip", "127.0.0.1", "--timeout", "20", "first");
            Assert.True(first.ExitCode == 0, first.Stderr);
            await b.Events.WaitFor<MessageReceived>(m => m.Text == "first", Long);
        }

        // B is gone. A's menu queues N messages for it, then the process is killed without warning.
        await using (var menu = CliProcess.Start("--data-dir", _a.Path, "--name", "a", "--port", TestNodes.DeadPort().ToString(),
                         "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1"))
        {
            await menu.Stdout.WaitForAsync("Choice: ", timeout: Long);
            var mark = menu.Stdout.Mark();
            await SendLineAsync(menu, "1");
            await SendLineAsync(menu, "127.0.0.1");
            await SendLineAsync(menu, port.ToString());
            await menu.Stdout.WaitForAsync($"Chatting with 127.0.0.1:{port}", mark, Long);
            foreach (var text in texts)
            {
                mark = menu.Stdout.Mark();
                await SendLineAsync(menu, text);
                await menu.Stdout.WaitForAsync($"Queued for 127.0.0.1:{port}", mark, Long);
            }
            Assert.DoesNotContain("Error", menu.Stdout.Text);
            await menu.KillAsync();
            Assert.DoesNotContain("Bye.", menu.Stdout.Text);
        }

        // Nothing is lost with the process: all N are on disk, waiting.
        var waiting = await OutboxAsync();
        Assert.Equal(texts, waiting.Select(m => m.GetProperty("text").GetString()));

        await using var restarted = await StoredNode.StartAsync("bob", _b.Path, port);
        await using var listen = CliProcess.Start("listen", "--data-dir", _a.Path, "--name", "a", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1");

        await restarted.Events.WaitFor<MessageReceived>(m => m.Text == texts[^1], Long);
        // Wait until A has every acknowledgement: after that it sends nothing more, so any duplicate has arrived.
        var deadline = DateTime.UtcNow + Long;
        while ((await OutboxAsync()).Count > 0)
            Assert.True(DateTime.UtcNow < deadline, "A's outbox did not empty");
        // A duplicate would be shown before its ack, but reach B's subscribers from B's event task, perhaps later:
        // B stops, and its NodeStopped is delivered after every event it published before.
        await restarted.Node.StopAsync();
        await restarted.Events.WaitFor<NodeStopped>();

        var received = restarted.Events.All<MessageReceived>().Select(m => m.Text).ToList();
        Assert.Equal(texts, received);
        var stored = restarted.Store.History(null, 1000).Select(m => m.Text).ToList();
        Assert.Equal(["first", .. texts], stored);
        Assert.Single(restarted.Store.Conversations());

        var history = await HistoryAsync();
        Assert.Equal(["first", .. texts], history.Select(m => m.GetProperty("text").GetString()));
        Assert.All(history, m => Assert.Equal("delivered", m.GetProperty("state").GetString()));

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }

    [Fact]
    public async Task Concurrent_sends_reported_delivered_or_queued_survive_a_kill_right_after_the_report()
    {
        const int n = 100;
        var delivered = Enumerable.Range(1, n).Select(i => $"online-{i:000}").ToArray();
        var queued = Enumerable.Range(1, n).Select(i => $"offline-{i:000}").ToArray();
        var bDir = _b.Path;
        int port;
        string bId;

        // 1. B online: n sends written at once; A is killed the moment it has printed the n-th delivery.
        await using (var b = await StoredNode.StartAsync("bob", bDir))
        {
            (port, bId) = (b.Port, b.Identity.Id.Value);
            await using var a = StartDriven();
            await a.Stdout.WaitForAsync("\"node_started\"", timeout: Long);
            await SendLinesAsync(a, $"127.0.0.1:{port}", delivered);
            await KillAfterAsync(a, "\"message_delivered\"", n);
        }
        var afterFirstKill = await HistoryAsync();
        Assert.Equal(delivered.Order(), afterFirstKill.Select(m => m.GetProperty("text").GetString()).Order());
        Assert.All(afterFirstKill, m => Assert.Equal("delivered", m.GetProperty("state").GetString()));
        Assert.Empty(await OutboxAsync());

        // 2. B gone: n sends to B's ID, each reported queued; A is killed the moment it has printed the n-th report.
        await using (var a = StartDriven())
        {
            await a.Stdout.WaitForAsync("\"node_started\"", timeout: Long);
            await SendLinesAsync(a, bId, queued);
            await KillAfterAsync(a, "queued for delivery", n);
        }
        var waiting = await OutboxAsync();
        Assert.Equal(queued.Order(), waiting.Select(m => m.GetProperty("text").GetString()).Order());

        // 3. Both back: every queued message arrives, and B holds each message of both rounds exactly once.
        await using var restarted = await StoredNode.StartAsync("bob", bDir, port);
        await using var listen = CliProcess.Start("listen", "--data-dir", _a.Path, "--name", "a", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1");
        var deadline = DateTime.UtcNow + Long;
        while ((await OutboxAsync()).Count > 0)
            Assert.True(DateTime.UtcNow < deadline, "A's outbox did not empty");
        var stored = restarted.Store.History(null, 10 * n).Select(m => m.Text).ToList();
        Assert.Equal(delivered.Concat(queued).Order(), stored.Order());
        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }

    private CliProcess StartDriven() =>
        CliProcess.Start("listen", "--json", "--commands", "--data-dir", _a.Path, "--name", "a", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1");

    private static async Task SendLinesAsync(CliProcess process, string target, IEnumerable<string> texts)
    {
        foreach (var text in texts)
            await process.Stdin.WriteLineAsync($"send {target} {text}");
        await process.Stdin.FlushAsync();
    }

    // SIGKILL as soon as the n-th line containing `marker` is on A's standard output.
    private static async Task KillAfterAsync(CliProcess process, string marker, int n)
    {
        await process.Stdout.WaitUntilAsync(text =>
        {
            if (text.Split('\n').Count(l => l.Contains(marker, StringComparison.Ordinal)) < n)
                return false;
            process.KillNow();
            return true;
        }, $"{n} lines with {marker}", timeout: Long);
        await process.KillAsync();
    }

    private async Task<List<JsonElement>> OutboxAsync()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("outbox", "--json", "--data-dir", _a.Path);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
    }

    private async Task<List<JsonElement>> HistoryAsync()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("history", "--json", "--limit", "1000", "--data-dir", _a.Path);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
    }
}
