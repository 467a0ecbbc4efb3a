using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace CryptoSphere.Bench;

/// <summary>
/// Legacy messages into <c>cryptosphere listen --json</c> as users run it (its own process, data directory on disk,
/// shipped settings), from N senders, one connection per message; and, alternating with it in the same run, the same
/// senders into a minimal accept-and-read server (its own process too). The senders are the C load generator
/// (<c>bench/native/legacy-load.c</c>, its own process) or threads of this process; the minimal server is the C one
/// or the bench's own. A message counts for the node when its message_received line has been printed (shown), and
/// is checked in its database after it stopped (stored).
/// </summary>
internal static class ProductLegacy
{
    /// <summary>Who sends (<c>--load</c>) or who is the minimal server (<c>--reference</c>): the C programs, or .NET.</summary>
    public enum Native { C, Dotnet }

    public sealed record Settings(int Senders, double Seconds, int MaxMessages, int Rounds, Native Load = Native.Dotnet, Native Reference = Native.Dotnet);

    // Issue 14's aims: at least 20,000 msgs/s stored and shown, and at least 0.8 of the minimal server in the same run.
    private const double AimRate = 20_000;
    private const double AimRatio = 0.8;

    private sealed record RunResult(string Target, long Sent, long Shown, long Stored, long Refused, long NotCaughtUp, long Other, double Seconds, double CpuSeconds, double LoadCpuSeconds)
    {
        public double Rate => Seconds > 0 ? Shown / Seconds : 0;
    }

    public static bool Run(Settings settings, TextWriter output)
    {
        var runs = new List<RunResult>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            foreach (var product in round % 2 == 1 ? new[] { false, true } : [true, false])
            {
                Console.Error.WriteLine($"round {round}/{settings.Rounds}: {(product ? "cryptosphere listen" : "minimal server")}...");
                var run = product ? IntoListen(settings) : IntoReference(settings);
                Console.Error.WriteLine($"  {run.Shown:N0} shown in {run.Seconds:0.000} s = {run.Rate:N0} msgs/s; refused {run.Refused}, not caught up {run.NotCaughtUp}");
                runs.Add(run);
            }
        }

        Machine.WriteFacts(output);
        output.WriteLine($"- Load average at the end (1, 5, 15 min): {Machine.LoadAverage()}");
        output.WriteLine($"- {settings.Senders} senders, one connection per message, {settings.Seconds} s or {settings.MaxMessages:N0} messages per run, "
                         + $"{settings.Rounds} rounds alternating the two targets");
        output.WriteLine(settings.Load == Native.C
            ? "- Load: the C load generator (bench/native/legacy-load.c, gcc -O2), its own process, one thread per sender, sender i from 127.0.0.(2+i)"
            : "- Load: sender threads in the bench process (C#), all from 127.0.0.1");
        output.WriteLine(settings.Reference == Native.C
            ? "- Minimal server: C, one thread with epoll (bench/native/legacy-server.c, gcc -O2)"
            : "- Minimal server: C#, an accept thread and async reads (ReferenceServers.cs)");
        output.WriteLine($"- Program: {CliNode.Program}");
        output.WriteLine();
        output.WriteLine("| round | target | sent | shown (lines printed) | stored (rows after exit) | refused by the target | not caught up | msgs/s shown | target's CPU s | senders' CPU s (C) |");
        output.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < runs.Count; i++)
        {
            var r = runs[i];
            output.WriteLine($"| {i / 2 + 1} | {r.Target} | {r.Sent:N0} | {r.Shown:N0} | {(r.Stored < 0 ? "-" : r.Stored.ToString("N0", CultureInfo.InvariantCulture))} | {r.Refused:N0} | {r.NotCaughtUp:N0} | {r.Rate:N0} | {r.CpuSeconds:0.00} | {(double.IsNaN(r.LoadCpuSeconds) ? "-" : r.LoadCpuSeconds.ToString("0.00", CultureInfo.InvariantCulture))} |");
        }
        var node = runs.Where(r => r.Stored >= 0).ToList();
        var reference = runs.Where(r => r.Stored < 0).ToList();
        var nodeMedian = Median(node.Select(r => r.Rate));
        var referenceMedian = Median(reference.Select(r => r.Rate));
        var pairRatios = node.Zip(reference, (n, r) => r.Rate > 0 ? n.Rate / r.Rate : 0).ToList();
        output.WriteLine();
        output.WriteLine($"Median: **cryptosphere listen {nodeMedian:N0} msgs/s**, minimal server {referenceMedian:N0} msgs/s; "
                         + $"ratio of medians **{nodeMedian / referenceMedian:0.00}** (per round: {string.Join(", ", pairRatios.Select(p => p.ToString("0.00", CultureInfo.InvariantCulture)))}).");

        var verdict = new Verdict()
            .Aim("cryptosphere listen: msgs/s stored and shown (median)", $">= {AimRate:N0}", $"{nodeMedian:N0}", nodeMedian >= AimRate)
            .Aim("cryptosphere listen / minimal server (ratio of medians)", $">= {AimRatio:0.0}", $"{nodeMedian / referenceMedian:0.00}", nodeMedian / referenceMedian >= AimRatio)
            .NoLoss("cryptosphere listen: refused (connect refused, reset, closed unread)", node.Sum(r => r.Refused))
            .NoLoss("cryptosphere listen: read but not shown within 30 s (not caught up)", node.Sum(r => r.NotCaughtUp))
            .NoLoss("cryptosphere listen: shown but not in the database after exit", node.Sum(r => Math.Max(0, r.Shown - r.Stored)))
            .NoLoss("cryptosphere listen: failed connects or writes, duplicates, wrong checksums", node.Sum(r => r.Other))
            .NoLoss("minimal server: refused, not caught up or failed (the reference must be sound too)", reference.Sum(r => r.Refused + r.NotCaughtUp + r.Other));
        verdict.Print(output);
        return verdict.Passed;
    }

    private static RunResult IntoListen(Settings settings)
    {
        var dir = Directory.CreateTempSubdirectory("cryptosphere-product-legacy-").FullName;
        try
        {
            var received = new long[settings.Senders];
            var seqSums = new long[settings.Senders];
            long shown = 0, foreign = 0, last = 0;
            using var node = CliNode.Listen("bench-legacy", dir, onLine: (line, at) =>
            {
                if (!line.Contains("\"message_received\"", StringComparison.Ordinal))
                    return;
                var e = JsonDocument.Parse(line).RootElement;
                var from = e.GetProperty("from").GetString()!;
                var sender = int.Parse(from[(from.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture) - BenchNode.HeaderPortBase;
                if ((uint)sender < (uint)received.Length && int.TryParse(e.GetProperty("text").GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                {
                    received[sender]++;
                    seqSums[sender] += seq;
                }
                else
                    foreign++;
                Volatile.Write(ref last, at);
                Interlocked.Increment(ref shown);
            });
            var cpuBefore = node.CpuSeconds();
            var (senders, start, other, loadCpu) = Send(settings, node.Port);
            var expected = senders.Sum(s => s.Read);
            var caughtUp = Until(() => Interlocked.Read(ref shown) >= expected, TimeSpan.FromSeconds(30));
            var cpu = node.CpuSeconds() - cpuBefore;
            node.Stop(TimeSpan.FromSeconds(30));
            var stored = CliNode.CountRows(dir, "SELECT COUNT(*) FROM messages WHERE outgoing = 0 AND name = 'bench'");
            long notCaughtUp = 0;
            for (var i = 0; i < senders.Length; i++)
            {
                var read = senders[i].Read;
                notCaughtUp += Math.Max(0, read - received[i]);
                if (received[i] > read || seqSums[i] != senders[i].ReadSeqSum && received[i] == read)
                    other++;
            }
            other += foreign;
            if (!caughtUp && notCaughtUp == 0)
                other++;
            var seconds = (Volatile.Read(ref last) - start) / (double)Stopwatch.Frequency;
            return new RunResult("cryptosphere listen", senders.Sum(s => s.Sent), shown, stored, senders.Sum(s => s.Refused + s.ClosedUnread), notCaughtUp, other, seconds, cpu, loadCpu);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static RunResult IntoReference(Settings settings)
    {
        long shown = 0, last = 0;
        void OnLine(string line, long at)
        {
            Volatile.Write(ref last, at);
            Interlocked.Increment(ref shown);
        }
        using var server = settings.Reference == Native.C
            ? new ReferenceServers.ServerProcess(new ProcessStartInfo(NativeLegacy.Server), OnLine)
            : new ReferenceServers.ServerProcess("legacy", OnLine);
        var cpuBefore = Machine.CpuSeconds(server.Pid);
        var (senders, start, other, loadCpu) = Send(settings, server.Port);
        var expected = senders.Sum(s => s.Read);
        Until(() => Interlocked.Read(ref shown) >= expected, TimeSpan.FromSeconds(30));
        var cpu = Machine.CpuSeconds(server.Pid) - cpuBefore;
        var seconds = (Volatile.Read(ref last) - start) / (double)Stopwatch.Frequency;
        return new RunResult("minimal server", senders.Sum(s => s.Sent), shown, -1, senders.Sum(s => s.Refused + s.ClosedUnread),
            Math.Max(0, expected - shown), other, seconds, cpu, loadCpu);
    }

    /// <summary>The senders against a port; returns what each did, the start timestamp, failures that are neither refusals
    /// nor lag, and the C load generator's CPU seconds (NaN for threads of this process).</summary>
    private static (SenderTally[] Senders, long Start, long Other, double LoadCpu) Send(Settings settings, int port)
    {
        if (settings.Load == Native.C)
        {
            var (report, began) = NativeLegacy.Send(port, settings.Senders, settings.Seconds, settings.MaxMessages);
            var failures = report.Senders.Sum(s => s.ConnectFailures + s.WriteFailures) + report.Hung + report.Unanswered + (report.Drained ? 0 : 1);
            return (report.Senders, began, failures, report.CpuSeconds);
        }
        var (senders, start, other) = SendFromThreads(settings, port);
        return (senders, start, other, double.NaN);
    }

    /// <summary>The senders of legacy-throughput, threads of this process.</summary>
    private static (SenderTally[] Senders, long Start, long Other) SendFromThreads(Settings settings, int port)
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var state = new LegacyThroughput.RunState(settings.MaxMessages, settings.Senders, 0);
        var senders = Enumerable.Range(0, settings.Senders).Select(i => new LegacyThroughput.Sender(i, settings.MaxMessages)).ToArray();
        using var go = new ManualResetEventSlim(false);
        var threads = senders.Select(s => new Thread(() => LegacyThroughput.SendLoop(s, endPoint, go, state)) { IsBackground = true }).ToArray();
        foreach (var t in threads)
            t.Start();
        var start = state.Start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(settings.Seconds * Stopwatch.Frequency);
        go.Set();
        while (Stopwatch.GetTimestamp() < deadline && threads.Any(t => t.IsAlive))
            Thread.Sleep(5);
        state.Stop = true;
        var hung = threads.Count(t => !t.Join(TimeSpan.FromSeconds(30)));
        var drained = state.Watcher.Drain(TimeSpan.FromSeconds(35), LegacyThroughput.MaxWatched);
        var other = senders.Sum(s => s.ConnectFailures + s.WriteFailures) + hung + state.Watcher.Unanswered + (drained ? 0 : 1);
        var tallies = senders.Select(s => new SenderTally(Interlocked.Read(ref s.Sent), s.SeqSum, s.Refused, Interlocked.Read(ref s.ClosedUnread),
            Interlocked.Read(ref s.UnreadSeqSum), s.ConnectFailures, s.WriteFailures, s.FirstError)).ToArray();
        return (tallies, start, other);
    }

    private static bool Until(Func<bool> condition, TimeSpan limit)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
                return false;
            Thread.Sleep(5);
        }
        return true;
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
