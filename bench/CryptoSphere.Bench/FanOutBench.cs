using System.Diagnostics;
using System.Net;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Bench;

/// <summary>
/// Broadcast and group fan-out on loopback, all nodes in this process: the time from the send to the
/// last of N receivers acknowledging (the sender's MessageDelivered events).
/// </summary>
internal static class FanOutBench
{
    /// <param name="OnDisk">Every node's database a file in its own directory (WAL, the shipped settings) instead of in memory.</param>
    public sealed record Settings(IReadOnlyList<int> Receivers, int Rounds, bool OnDisk = false);

    // Issue 5's aim: a send to 100 peers acknowledged by all in under 20 ms (median). Smaller counts are shown, not judged.
    private const int AimReceivers = 100;
    private const double AimMs = 20;

    public static bool Run(Settings settings, TextWriter output)
    {
        output.WriteLine(settings.OnDisk
            ? "Nodes: all in this process (component run), each with its database a file on disk (WAL, shipped settings)."
            : "Nodes: all in this process (component run), each with an in-memory database.");
        output.WriteLine();
        output.WriteLine($"| receivers | group send: median | group send: p95 | broadcast (1:1 each): median | broadcast: p95 | acknowledgements missing |");
        output.WriteLine("|---|---|---|---|---|---|");
        var verdict = new Verdict();
        foreach (var n in settings.Receivers)
        {
            Console.Error.WriteLine($"{n} receivers...");
            double[] group, broadcast;
            long missing;
            try
            {
                (group, broadcast, missing) = MeasureAsync(n, settings.Rounds, settings.OnDisk).GetAwaiter().GetResult();
            }
            catch (TimeoutException e)
            {
                output.WriteLine($"| {n} | setup failed: {e.Message} | | | | |");
                verdict.NoLoss($"{n} receivers: the group reached every member (setup, 5 min)", n);
                continue;
            }
            output.WriteLine($"| {n} | {Median(group):0.0} ms | {P95(group):0.0} ms | {Median(broadcast):0.0} ms | {P95(broadcast):0.0} ms | {missing} |");
            verdict.NoLoss($"{n} receivers: every member acknowledged every send (60 s each)", missing);
            if (n == AimReceivers)
            {
                verdict.Aim($"group send to {n}, median", $"< {AimMs} ms", $"{Median(group):0.0} ms", Median(group) < AimMs)
                    .Aim($"broadcast to {n}, median", $"< {AimMs} ms", $"{Median(broadcast):0.0} ms", Median(broadcast) < AimMs);
            }
        }
        verdict.Print(output);
        return verdict.Passed;
    }

    private static async Task<(double[] Group, double[] Broadcast, long Missing)> MeasureAsync(int receivers, int rounds, bool onDisk)
    {
        var root = onDisk ? Directory.CreateTempSubdirectory("cryptosphere-fanout-").FullName : null;
        var stores = new List<Core.Storage.ChatStore>();
        var sender = await StartAsync("sender", root, stores);
        var nodes = new List<ChatNode>();
        try
        {
            for (var i = 0; i < receivers; i++)
                nodes.Add(await StartAsync("r" + i, root, stores));
            foreach (var node in nodes)
                await sender.SendAsync(new Core.Peers.PeerKey("127.0.0.1", node.Port), "hello");
            var group = sender.CreateGroup("bench").Value!;
            foreach (var node in nodes)
                group = (await sender.AddMemberAsync(group.Id, node.Identity.Id)).Value!;
            await WaitUntilAsync(() => nodes.All(n => n.Store.FindGroup(group.Id)?.Version == group.Version));

            var groupTimes = new List<double>();
            var broadcastTimes = new List<double>();
            long missing = 0;
            for (var r = 0; r < rounds; r++)
            {
                var (ms, unacked) = await TimeAsync(sender, receivers, async () => [(await sender.SendToGroupAsync(group.Id, "group message " + r)).MessageId]);
                missing += unacked;
                if (unacked == 0)
                    groupTimes.Add(ms);
                (ms, unacked) = await TimeAsync(sender, receivers, async () =>
                    (await sender.BroadcastAsync("broadcast " + r)).Select(s => s.MessageId!.Value).ToArray());
                missing += unacked;
                if (unacked == 0)
                    broadcastTimes.Add(ms);
            }
            return (groupTimes.ToArray(), broadcastTimes.ToArray(), missing);
        }
        finally
        {
            await Task.WhenAll(nodes.Append(sender).Select(n => n.DisposeAsync().AsTask()));
            foreach (var store in stores)
                store.Dispose();
            if (root is not null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                try { Directory.Delete(root, recursive: true); } catch (IOException) { }
            }
        }
    }

    // Milliseconds from the call until `expected` acknowledgements of the sent message(s) arrived,
    // and how many were still missing after 60 s.
    private static async Task<(double Ms, long Missing)> TimeAsync(ChatNode sender, int expected, Func<Task<Guid[]>> send)
    {
        var acks = 0;
        var ids = new HashSet<Guid>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEvent(NodeEvent e)
        {
            if (e is MessageDelivered d)
            {
                lock (ids)
                {
                    if (ids.Count > 0 && !ids.Contains(d.MessageId))
                        return;
                }
                if (Interlocked.Increment(ref acks) >= expected)
                    done.TrySetResult();
            }
        }
        sender.EventRaised += OnEvent;
        try
        {
            var start = Stopwatch.GetTimestamp();
            var sent = await send();
            lock (ids)
                ids.UnionWith(sent);
            try
            {
                await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                return (double.NaN, expected - Volatile.Read(ref acks));
            }
            return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, 0);
        }
        finally
        {
            sender.EventRaised -= OnEvent;
        }
    }

    private static async Task<ChatNode> StartAsync(string name, string? root, List<Core.Storage.ChatStore> stores)
    {
        var options = new NodeOptions { Name = name, Bind = IPAddress.Loopback, AdvertiseIp = "127.0.0.1" };
        Core.Storage.ChatStore? store = null;
        if (root is not null)
        {
            store = Core.Storage.ChatStore.Open(Path.Combine(root, name));
            stores.Add(store);
        }
        var node = store is null ? new ChatNode(options) : new ChatNode(options, Core.Identity.NodeIdentity.CreateEphemeral(), store);
        await node.StartAsync();
        return node;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // Generous: 100 nodes joining one by one on a shared 2-core machine can take minutes.
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the group did not reach every member within 5 minutes");
            await Task.Delay(20);
        }
    }

    private static double Median(double[] values) => Stats.Percentile(values.Order().ToArray(), 50);

    private static double P95(double[] values) => Stats.Percentile(values.Order().ToArray(), 95);
}
