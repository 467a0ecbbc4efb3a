using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;
using Xunit.Abstractions;

namespace CryptoSphere.Tests.Faults;

/// <summary>
/// The receiver killed with SIGKILL in the middle of a stream. Node A (in this process) writes numbered
/// messages to node B (the real program, <c>listen --json</c>) at a steady rate, never waiting for acks.
/// When A has half the acknowledgements, B's replies start getting lost on the way (a relay drops them,
/// as when acks are in flight at a crash) while B goes on storing and showing messages; then B is killed
/// (SIGKILL), restarted on the same data directory and port (<c>--strict-port</c>), and A's outbox finishes.
/// A sends again everything it has no ack for, so B's second run receives a hundred messages it already
/// stored. Every message must be stored exactly once, in order; none may be shown twice, and none
/// acknowledged before the kill may be shown again.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class KillUnderLoadTests(ITestOutputHelper output) : IDisposable
{
    private const int Total = 500;
    private const int KillAfterAcks = Total / 2;
    private const int StoredButUnacknowledged = Total / 5; // shown by B after its acks stop reaching A, before the kill
    private static readonly TimeSpan SendInterval = TimeSpan.FromMilliseconds(4); // ~250 messages/s, whatever B does
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);

    private readonly TempDirectory _a = new();
    private readonly TempDirectory _b = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private TimeSpan Left
    {
        get
        {
            var left = Budget - _clock.Elapsed;
            return left > TimeSpan.Zero ? left : throw new TimeoutException($"the test ran over its budget of {Budget.TotalSeconds} s");
        }
    }

    private void Log(string line) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.00} s] {line}");

    private CliProcess StartB(int port) => CliProcess.Start("listen", "--json", "--data-dir", _b.Path, "--name", "b", "--port", port.ToString(),
        "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--strict-port");

    [Fact(Timeout = 180_000)] // a backstop: every wait below is bounded by the 120 s budget
    public async Task A_receiver_killed_under_load_ends_with_every_message_stored_once_in_order_and_none_shown_twice()
    {
        var texts = Enumerable.Range(1, Total).Select(i => $"load-{i:000}").ToArray();
        var port = TestNodes.DeadPort();
        var bId = await IdAsync(_b.Path);
        CliProcess? first = null, second = null;
        var sending = Task.CompletedTask;
        using var stop = new CancellationTokenSource();
        await using var a = await StoredNode.StartAsync("a", _a.Path);
        try
        {
            first = StartB(port);
            await first.Stdout.WaitForAsync("\"type\":\"node_started\"", timeout: Left);
            // The first run is reached through a relay that can lose B's replies; B's restart is reached directly
            // (A knows B by the port B's HELLO gave).
            await using var relay = TcpRelay.Start(port);

            // Acknowledgements as A sees them; from the one that makes half, B's replies are lost.
            var acked = new ConcurrentDictionary<Guid, byte>();
            var half = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            a.Node.EventRaised += e =>
            {
                if (e is not MessageDelivered d || !acked.TryAdd(d.MessageId, 0) || acked.Count < KillAfterAcks)
                    return;
                relay.DropFromTarget();
                half.TrySetResult();
            };

            // The stream: one message every few milliseconds, never waiting for an ack, on through the kill.
            var ids = new Guid[Total];
            var results = new SendResult[Total];
            var handed = 0;
            sending = Task.Run(async () =>
            {
                using var pace = new PeriodicTimer(SendInterval);
                for (var i = 0; i < Total && !stop.IsCancellationRequested; i++)
                {
                    results[i] = i == 0
                        ? await a.Node.SendAsync(new PeerKey(TestNodes.Loopback, relay.Port), texts[i])
                        : await a.Node.SendAsync(bId, texts[i]);
                    ids[i] = results[i].MessageId ?? Guid.Empty;
                    Volatile.Write(ref handed, i + 1);
                    await pace.WaitForNextTickAsync();
                }
            });

            await WhileStreamingAsync(half.Task, sending, () => $"{acked.Count} acknowledged");
            var dropFrom = acked.Count;
            var lastBeforeKill = Volatile.Read(ref handed) + StoredButUnacknowledged;
            Log($"{dropFrom} acknowledged, {Volatile.Read(ref handed)} sent: B's replies are lost from now on");
            // B stores, shows and acknowledges a hundred more that A never hears of, then it is killed. Events reach
            // this handler through the node's event queue, so acknowledgements that passed the relay before the drop
            // can still be counted after it: the hundred are counted past the last of those.
            while (true)
            {
                await WhileStreamingAsync(first.Stdout.WaitForAsync($"\"text\":\"{texts[lastBeforeKill - 1]}\"", timeout: Left), sending,
                    () => $"{Volatile.Read(ref handed)} sent");
                var highestAcked = acked.Keys.Select(id => Array.IndexOf(ids, id)).DefaultIfEmpty(-1).Max() + 1;
                if (highestAcked + StoredButUnacknowledged <= lastBeforeKill || lastBeforeKill == Total)
                    break;
                lastBeforeKill = Math.Min(Total, highestAcked + StoredButUnacknowledged);
            }
            var killedAt = _clock.Elapsed;
            await first.KillAsync();
            await first.WaitForExitAsync(Left); // also drains what it printed
            var ackedBeforeKill = acked.Keys.ToHashSet();
            var sentBeforeKill = Volatile.Read(ref handed);
            Log($"B killed (SIGKILL) after showing {texts[lastBeforeKill - 1]}, with {ackedBeforeKill.Count} of {Total} acknowledged and {sentBeforeKill} sent");

            second = StartB(port);
            await second.Stdout.WaitForAsync("\"type\":\"node_started\"", timeout: Left);
            var restart = _clock.Elapsed - killedAt;
            Log($"B listening again {restart.TotalSeconds:0.00} s after the kill");

            await sending.WaitAsync(Left);
            var streamEnded = _clock.Elapsed;
            Assert.All(results, r => Assert.NotEqual(MessageState.Failed, r.State));
            var queued = results.Count(r => r.State == MessageState.Queued);
            await Eventually.HoldsAsync(() => acked.Count == Total && a.Store.Outbox().Count == 0, "A has every acknowledgement", Left);
            var recovered = _clock.Elapsed - killedAt;
            Log($"all {Total} acknowledged {recovered.TotalSeconds:0.00} s after the kill ({(_clock.Elapsed - streamEnded).TotalSeconds:0.00} s " +
                $"after the last send); {queued} were queued while B was away");

            // B stops gracefully, so that nothing more can arrive; then its store and screen are compared.
            second.Terminate();
            Assert.Equal(0, await second.WaitForExitAsync(Left));
            var shownFirst = Shown(first.Stdout.Text);
            var shownSecond = Shown(second.Stdout.Text);
            var shown = shownFirst.Concat(shownSecond).ToList();

            // Stored: every message, exactly once, in the order A sent them.
            var history = await HistoryAsync();
            Assert.Equal(texts, history.Select(m => m.Text));
            Assert.Equal(ids, history.Select(m => m.Id));

            // Acknowledged before the kill: shown by the first run, once, and never again by the second.
            Assert.All(ackedBeforeKill, id => Assert.Single(shownFirst, s => s.Id == id));
            Assert.DoesNotContain(shownSecond, s => ackedBeforeKill.Contains(s.Id));
            // Shown at most once in all, in sending order, each with the text it was sent with.
            Assert.Equal(shown.Count, shown.Select(s => s.Id).Distinct().Count());
            var numbers = shown.Select(s => Array.IndexOf(ids, s.Id)).ToList();
            Assert.DoesNotContain(-1, numbers);
            Assert.Equal(numbers.Order(), numbers);
            Assert.All(shown, s => Assert.Equal(texts[Array.IndexOf(ids, s.Id)], s.Text));

            // The fault did what it was for: the first run stored messages A had no ack for, A sent them again,
            // and the second run took them as the duplicates they were.
            var resent = history.Count(m => !ackedBeforeKill.Contains(m.Id) && shownFirst.Any(s => s.Id == m.Id));
            Assert.True(resent >= StoredButUnacknowledged / 2, $"only {resent} stored-but-unacknowledged messages were resent");
            var storedNotShown = Total - shown.Count;

            // A's own view: all delivered, nothing waiting.
            Assert.All(a.Store.History(null, Total + 10), m => Assert.Equal(MessageState.Delivered, m.State));

            Log($"FIGURES: sent {Total}, stored {history.Count}, lost 0, stored twice 0, shown twice 0; shown by run 1 {shownFirst.Count}, " +
                $"by run 2 {shownSecond.Count}, never {storedNotShown}; stored by run 1 without A's ack, resent and deduplicated {resent}; " +
                $"acknowledged at the kill {ackedBeforeKill.Count}; queued while B was away {queued}; restart {restart.TotalSeconds:0.00} s; " +
                $"all acknowledged {recovered.TotalSeconds:0.00} s after the kill; total {_clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            stop.Cancel();
            await sending.ContinueWith(_ => { }, TaskScheduler.Default);
            foreach (var (name, b) in new[] { ("first", first), ("second", second) })
            {
                if (b is null)
                    continue;
                await b.DisposeAsync();
                output.WriteLine($"===== B's {name} run: {Shown(b.Stdout.Text).Count} messages shown; stderr =====\n{b.Stderr.Text}");
            }
        }
    }

    private static async Task<CryptoSphere.Core.Identity.PeerId> IdAsync(string dataDir)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("id", "--data-dir", dataDir);
        Assert.True(code == 0, stderr);
        Assert.True(CryptoSphere.Core.Identity.PeerId.TryParse(stdout.Trim(), out var id), stdout);
        return id;
    }

    /// <summary>Waits for <paramref name="step"/>; a stream that ends (or fails) first fails the test with what it reached.</summary>
    private async Task WhileStreamingAsync(Task step, Task sending, Func<string> progress)
    {
        await Task.WhenAny(step, sending).WaitAsync(Left);
        if (step.IsCompleted)
        {
            await step;
            return;
        }
        await sending; // a send that threw fails the test with its own exception
        await Task.WhenAny(step, Task.Delay(Left)); // the stream is over; acknowledgements may still come
        Assert.True(step.IsCompletedSuccessfully, $"the step did not happen before the time ran out ({progress()})");
    }

    private sealed record ShownMessage(Guid Id, string Text);

    /// <summary>B's message_received events, in the order printed.</summary>
    private static List<ShownMessage> Shown(string jsonLines)
    {
        var shown = new List<ShownMessage>();
        var lines = jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            JsonElement e;
            try
            {
                e = JsonDocument.Parse(lines[i]).RootElement;
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
                continue; // a line cut short by SIGKILL was not shown whole
            }
            if (e.GetProperty("type").GetString() == "message_received")
                shown.Add(new ShownMessage(Guid.Parse(e.GetProperty("messageId").GetString()!), e.GetProperty("text").GetString()!));
        }
        return shown;
    }

    private async Task<List<(Guid Id, string Text)>> HistoryAsync()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("history", "--json", "--limit", "100000", "--data-dir", _b.Path);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .Select(m => (Guid.Parse(m.GetProperty("id").GetString()!), m.GetProperty("text").GetString()!)).ToList();
    }
}
