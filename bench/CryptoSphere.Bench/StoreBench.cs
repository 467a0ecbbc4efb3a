using System.Diagnostics;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Bench;

/// <summary>
/// The SQLite store under load: received messages inserted through the batching writer (each one
/// committed before its callback, as the node acknowledges), then full-text search latency over a
/// large history.
/// </summary>
internal static class StoreBench
{
    public sealed record Settings(int InsertMessages, int SearchMessages, int Queries);

    // Issue 4's aims: the store does not cap the secure protocol below 50,000 messages/s; a search under 50 ms.
    private const double AimInsertRate = 50_000;
    private const double AimSearchMs = 50;

    private static readonly string[] Vocabulary = Enumerable.Range(0, 20_000).Select(i => "w" + i.ToString("x")).ToArray();

    public static bool Run(Settings settings, TextWriter output)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cryptosphere-storebench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var store = ChatStore.Open(dir);
            var random = new Random(42);
            Console.Error.WriteLine($"inserting {settings.InsertMessages:N0} messages...");
            var (insertRate, lostInserting) = Insert(store, settings.InsertMessages, random);

            var fill = Math.Max(0, settings.SearchMessages - settings.InsertMessages);
            Console.Error.WriteLine($"filling to {settings.SearchMessages:N0} messages...");
            var (fillRate, lostFilling) = fill > 0 ? Insert(store, fill, random) : (insertRate, 0);
            var inserted = settings.InsertMessages + fill;
            var stored = store.Conversations().Sum(c => c.Messages);
            var bytes = new FileInfo(Path.Combine(dir, ChatStore.FileName)).Length;

            output.WriteLine("| measure | result |");
            output.WriteLine("|---|---|");
            output.WriteLine($"| received messages stored (batched commits, callback after commit) | {insertRate:N0} msg/s over {settings.InsertMessages:N0} |");
            output.WriteLine($"| same, while filling to {settings.SearchMessages:N0} | {fillRate:N0} msg/s |");
            output.WriteLine($"| messages in the database (conversation counts) | {stored:N0} of {inserted:N0} inserted |");
            output.WriteLine($"| database size at {settings.SearchMessages:N0} messages | {bytes / 1024.0 / 1024.0:N0} MiB |");
            var worstSearchP99 = 0.0;
            foreach (var (label, query) in Queries(random))
            {
                var hits = store.Search(query, 50).Count;
                var latencies = Measure(() => store.Search(query, 50), settings.Queries);
                worstSearchP99 = Math.Max(worstSearchP99, Stats.Percentile(latencies, 99));
                output.WriteLine($"| search {label} (`{query}`, {hits} of 50 hits) at {settings.SearchMessages:N0} | p50 {Stats.Percentile(latencies, 50):0.00} ms, p99 {Stats.Percentile(latencies, 99):0.00} ms, max {latencies[^1]:0.00} ms |");
            }
            var history = Measure(() => store.History(null, 50), settings.Queries);
            output.WriteLine($"| history page (last 50) at {settings.SearchMessages:N0} | p50 {Stats.Percentile(history, 50):0.00} ms, p99 {Stats.Percentile(history, 99):0.00} ms |");
            // Opening runs PRAGMA quick_check (a damaged file is refused at once): what that costs a large history.
            var quickCheck = Measure(() => store.Locked(db => ChatStore.Scalar(db, "PRAGMA quick_check(1)")), 5);
            var open = Measure(() => ChatStore.Open(dir).Dispose(), 5);
            output.WriteLine($"| PRAGMA quick_check at {settings.SearchMessages:N0} ({bytes / 1024.0 / 1024.0:N0} MiB, file in the OS cache) | p50 {Stats.Percentile(quickCheck, 50):0} ms, max {quickCheck[^1]:0} ms |");
            output.WriteLine($"| whole open (schema check, quick_check, migrations) at {settings.SearchMessages:N0} | p50 {Stats.Percentile(open, 50):0} ms, max {open[^1]:0} ms |");
            Console.Error.WriteLine("sends: one transaction per write, then batched...");
            var sends = StoreSends.Run(dir, Math.Min(settings.InsertMessages, 20_000));
            foreach (var r in sends)
                output.WriteLine($"| sends, store side ({r.Label}) | {r.Rate:N0} sends/s, {r.Transactions:N0} transactions for {r.Sends:N0} sends |");
            output.WriteLine($"| sends, batched / one transaction per write | {sends[1].Rate / sends[0].Rate:0.0}x the rate, {(double)sends[1].Transactions / sends[0].Transactions:0.000} of the transactions |");
            var verdict = new Verdict()
                .Aim("received messages stored per second", $">= {AimInsertRate:N0}", $"{insertRate:N0}", insertRate >= AimInsertRate)
                .Aim($"slowest search p99 at {settings.SearchMessages:N0} messages", $"< {AimSearchMs} ms", $"{worstSearchP99:0.00} ms", worstSearchP99 < AimSearchMs)
                .NoLoss("every message committed (callback within 2 min)", lostInserting + lostFilling)
                .NoLoss("every committed message in the database", inserted - stored, $"{stored:N0} of {inserted:N0}");
            verdict.Print(output);
            return verdict.Passed;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Messages per second until the last commit callback; and how many had no successful callback within 2 minutes.</summary>
    private static (double Rate, long Lost) Insert(ChatStore store, int count, Random random)
    {
        var committed = 0;
        var done = new ManualResetEventSlim();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            store.AppendReceived(Message(random, i), ok =>
            {
                if (ok && Interlocked.Increment(ref committed) == count)
                    done.Set();
            });
        }
        if (!done.Wait(TimeSpan.FromMinutes(2)))
            return (0, count - Volatile.Read(ref committed));
        return (count / stopwatch.Elapsed.TotalSeconds, 0);
    }

    private static StoredMessage Message(Random random, int i)
    {
        var words = new string[8 + random.Next(8)];
        for (var w = 0; w < words.Length; w++)
            words[w] = Vocabulary[Zipf(random)];
        var now = DateTimeOffset.UtcNow;
        var peer = i % 20;
        return new StoredMessage(Guid.CreateVersion7(), $"legacy:10.0.0.{peer}:5000", false, null, $"10.0.0.{peer}:5000",
            $"peer{peer}", string.Join(' ', words), PeerProtocol.Secure, now, now, MessageState.Received);
    }

    // Word ranks skewed like natural text: a few common words, a long tail of rare ones.
    private static int Zipf(Random random) => (int)Math.Min(Vocabulary.Length - 1, Math.Pow(Vocabulary.Length, random.NextDouble()) - 1);

    private static IEnumerable<(string Label, string Query)> Queries(Random random)
    {
        yield return ("common word", Vocabulary[0]);
        yield return ("mid-frequency word", Vocabulary[100]);
        yield return ("rare word", Vocabulary[15_000]);
        yield return ("two words", $"{Vocabulary[3]} {Vocabulary[40]}");
        yield return ("absent word", "zzzz");
    }

    private static double[] Measure(Action action, int times)
    {
        action();
        var samples = new double[times];
        for (var i = 0; i < times; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);
        return samples;
    }

}
