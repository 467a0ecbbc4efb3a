using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Bench;

/// <summary>
/// Secure messages end to end between two <c>cryptosphere listen</c> processes with their databases on disk: the
/// bench writes <c>send HOST:PORT TEXT</c> lines to the sender's standard input (<c>listen --commands</c>) and counts
/// its message_delivered lines (the receiver stored the message and acknowledged it). In flight: every line written
/// at once; one at a time: a line, then wait for its delivery. In the same run, alternating: a raw echo server
/// process, over TLS 1.3 with the nodes' handshake and over plain TCP, 100-byte messages written back byte for byte.
/// </summary>
internal static class ProductSecure
{
    public sealed record Settings(int Messages, int Samples, int Rounds, bool Trusted = false);

    // Issue 14's aims: at least 50,000 msgs/s delivered with messages in flight; one at a time p50 under 1 ms, p99 under 5 ms.
    private const double AimRate = 50_000;
    private const double AimP50Ms = 1;
    private const double AimP99Ms = 5;
    private const int TextBytes = 100;
    private const string ProductTarget = "cryptosphere listen to listen (TLS, databases on disk)";
    private const string TlsEchoTarget = "raw TLS 1.3 echo (reference)";
    private const string TcpEchoTarget = "raw TCP echo (reference)";

    private sealed record RunResult(string Target, double Rate, double P50, double P99, long Lost, double CpuSeconds);

    public static bool Run(Settings settings, TextWriter output)
    {
        var runs = new List<RunResult>();
        long storedMissing = 0, outboxLeft = 0, failedCommands = 0;
        for (var round = 1; round <= settings.Rounds; round++)
        {
            Console.Error.WriteLine($"round {round}/{settings.Rounds}: raw TLS echo, raw TCP echo, two cryptosphere listen processes...");
            runs.Add(Echo(settings, tls: true));
            runs.Add(Echo(settings, tls: false));
            var (between, missing, left, failed) = BetweenNodes(settings);
            runs.Add(between);
            storedMissing += missing;
            outboxLeft += left;
            failedCommands += failed;
            foreach (var r in runs.TakeLast(3))
                Console.Error.WriteLine($"  {r.Target}: {r.Rate:N0} msgs/s, p50 {r.P50:0.000} ms, p99 {r.P99:0.000} ms, lost {r.Lost}");
        }

        Machine.WriteFacts(output);
        output.WriteLine($"- Load average at the end (1, 5, 15 min): {Machine.LoadAverage()}");
        output.WriteLine($"- {settings.Messages:N0} messages of {TextBytes} bytes in flight per run, then {settings.Samples:N0} one at a time; {settings.Rounds} rounds");
        output.WriteLine($"- Program: {CliNode.Program}");
        output.WriteLine(settings.Trusted
            ? "- Sender and receiver trust each other (`cryptosphere trust`, before the nodes start): neither messages nor ACKs are paced"
            : "- The receiver does not know the sender: a stranger's messages are paced (200 a second by default); `--trusted` measures contacts");
        output.WriteLine();
        output.WriteLine("| round | path | msgs/s in flight (acknowledged / echoed) | one at a time p50 | p99 | lost | CPU s of the server side |");
        output.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
        for (var i = 0; i < runs.Count; i++)
        {
            var r = runs[i];
            output.WriteLine($"| {i / 3 + 1} | {r.Target} | {r.Rate:N0} | {r.P50:0.000} ms | {r.P99:0.000} ms | {r.Lost:N0} | {r.CpuSeconds:0.00} |");
        }
        var product = runs.Where(r => r.Target == ProductTarget).ToList();
        var tlsEcho = runs.Where(r => r.Target == TlsEchoTarget).ToList();
        var tcpEcho = runs.Where(r => r.Target == TcpEchoTarget).ToList();
        double Med(IEnumerable<RunResult> rs, Func<RunResult, double> f) => ProductLegacy.Median(rs.Select(f));
        var rate = Med(product, r => r.Rate);
        var p50 = Med(product, r => r.P50);
        var p99 = Med(product, r => r.P99);
        output.WriteLine();
        output.WriteLine($"Medians: **cryptosphere {rate:N0} msgs/s**, raw TLS echo {Med(tlsEcho, r => r.Rate):N0}, raw TCP echo {Med(tcpEcho, r => r.Rate):N0}; "
                         + $"ratio to TLS echo **{rate / Med(tlsEcho, r => r.Rate):0.000}**. One at a time: cryptosphere p50 {p50:0.000} ms / p99 {p99:0.000} ms, "
                         + $"TLS echo p50 {Med(tlsEcho, r => r.P50):0.000} ms / p99 {Med(tlsEcho, r => r.P99):0.000} ms.");
        var verdict = new Verdict()
            .Aim("cryptosphere: msgs/s delivered with messages in flight (median)", $">= {AimRate:N0}", $"{rate:N0}", rate >= AimRate)
            .Aim("cryptosphere: one at a time, p50 (median of rounds)", $"< {AimP50Ms} ms", $"{p50:0.000} ms", p50 < AimP50Ms)
            .Aim("cryptosphere: one at a time, p99 (median of rounds)", $"< {AimP99Ms} ms", $"{p99:0.000} ms", p99 < AimP99Ms)
            .NoLoss("cryptosphere: every send acknowledged (120 s for the burst, 10 s each one at a time)", product.Sum(r => r.Lost))
            .NoLoss("cryptosphere: every acknowledged message in the receiver's database after exit", storedMissing)
            .NoLoss("cryptosphere: sender's outbox empty after exit", outboxLeft)
            .NoLoss("cryptosphere: command_failed lines", failedCommands)
            .NoLoss("echo references: every byte echoed", tlsEcho.Concat(tcpEcho).Sum(r => r.Lost));
        verdict.Print(output);
        return verdict.Passed;
    }

    private static (RunResult Run, long StoredMissing, long OutboxLeft, long FailedCommands) BetweenNodes(Settings settings)
    {
        var root = Directory.CreateTempSubdirectory("cryptosphere-product-secure-").FullName;
        try
        {
            long delivered = 0, failed = 0;
            using var arrived = new SemaphoreSlim(0);
            // Contacts that trust each other, as users who chat do: a stranger's messages are paced (200 a second by
            // default), so without this the run measures that limit, not the path.
            // Both ways: the sender paces a stranger's ACKs too (2,000 a second), which alone held a one-way run to
            // about 2,500 msgs/s.
            if (settings.Trusted)
            {
                CliNode.RunOnce("trust", CliNode.RunOnce("id", "--data-dir", Path.Combine(root, "sender")).Trim(), "--data-dir", Path.Combine(root, "receiver"));
                CliNode.RunOnce("trust", CliNode.RunOnce("id", "--data-dir", Path.Combine(root, "receiver")).Trim(), "--data-dir", Path.Combine(root, "sender"));
            }
            using var receiver = CliNode.Listen("receiver", Path.Combine(root, "receiver"));
            using var sender = CliNode.Listen("sender", Path.Combine(root, "sender"), commands: true, onLine: (line, _) =>
            {
                if (line.Contains("\"message_delivered\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref delivered);
                    arrived.Release();
                }
                else if (line.Contains("\"command_failed\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref failed);
                    Console.Error.WriteLine("sender: " + line);
                }
            });
            var target = $"127.0.0.1:{receiver.Port}";
            var text = new string('s', TextBytes - 8);
            var stdin = sender.Stdin;
            var sent = 0L;

            // Warm-up: the session, the JIT, the database pages.
            var lost = Burst(200, TimeSpan.FromSeconds(60), out _);
            var cpuBefore = receiver.CpuSeconds() + sender.CpuSeconds();
            lost += Burst(settings.Messages, TimeSpan.FromSeconds(120), out var rate);
            var cpu = receiver.CpuSeconds() + sender.CpuSeconds() - cpuBefore;
            var latencies = new List<double>(settings.Samples);
            for (var i = 0; i < settings.Samples; i++)
            {
                DrainSignals();
                var start = Stopwatch.GetTimestamp();
                stdin.WriteLine($"send {target} {text}{sent++:x8}");
                stdin.Flush();
                if (!arrived.Wait(TimeSpan.FromSeconds(10)))
                {
                    lost += settings.Samples - i;
                    break;
                }
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            var sorted = latencies.Order().ToArray();

            sender.Stop(TimeSpan.FromSeconds(30));
            receiver.Stop(TimeSpan.FromSeconds(30));
            var stored = CliNode.CountRows(receiver.DataDir, "SELECT COUNT(*) FROM messages WHERE outgoing = 0");
            var outbox = CliNode.CountRows(sender.DataDir, "SELECT COUNT(*) FROM outbox");
            var acknowledged = Interlocked.Read(ref delivered);
            return (new RunResult(ProductTarget, rate, Stats.Percentile(sorted, 50), Stats.Percentile(sorted, 99), lost, cpu),
                Math.Max(0, acknowledged - stored), outbox, Interlocked.Read(ref failed));

            // Writes `count` send lines at once (the pipe and the node's own limit pace them) and waits for as many deliveries.
            long Burst(int count, TimeSpan limit, out double perSecond)
            {
                var before = Interlocked.Read(ref delivered);
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < count; i++)
                    stdin.WriteLine($"send {target} {text}{sent++:x8}");
                stdin.Flush();
                var deadline = start + (long)(limit.TotalSeconds * Stopwatch.Frequency);
                while (Interlocked.Read(ref delivered) - before < count && Stopwatch.GetTimestamp() < deadline)
                    Thread.Sleep(1);
                var done = Interlocked.Read(ref delivered) - before;
                perSecond = done / Stopwatch.GetElapsedTime(start).TotalSeconds;
                DrainSignals();
                return Math.Max(0, count - done);
            }

            void DrainSignals()
            {
                while (arrived.Wait(0))
                {
                }
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The reference: the bench as client of an echo server process, the same message size and counts.</summary>
    private static RunResult Echo(Settings settings, bool tls)
    {
        using var server = new ReferenceServers.ServerProcess(tls ? "echo-tls" : "echo-tcp");
        return EchoAsync().GetAwaiter().GetResult();

        async Task<RunResult> EchoAsync()
        {
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, server.Port);
            Stream stream = client.GetStream();
            using var identity = NodeIdentity.CreateEphemeral();
            if (tls)
                stream = (await TlsHandshake.ConnectAsync(stream, identity, null, TimeSpan.FromSeconds(60), default)).Stream;
            var message = new byte[TextBytes];
            var buffer = new byte[64 * 1024];
            long lost = 0;
            await Pipelined(200); // warm-up
            var cpuBefore = Machine.CpuSeconds(server.Pid);
            var start = Stopwatch.GetTimestamp();
            lost += await Pipelined(settings.Messages);
            var rate = settings.Messages / Stopwatch.GetElapsedTime(start).TotalSeconds;
            var cpu = Machine.CpuSeconds(server.Pid) - cpuBefore;
            var latencies = new double[settings.Samples];
            for (var i = 0; i < settings.Samples; i++)
            {
                var began = Stopwatch.GetTimestamp();
                await stream.WriteAsync(message);
                await stream.FlushAsync();
                lost += await ReadAsync(TextBytes) / TextBytes;
                latencies[i] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            }
            Array.Sort(latencies);
            await stream.DisposeAsync();
            return new RunResult(tls ? TlsEchoTarget : TcpEchoTarget, rate, Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99), lost, cpu);

            // Writes `count` messages while reading the echo, many per write as the node's write loop coalesces them;
            // returns messages not echoed within 60 s.
            async Task<long> Pipelined(int count)
            {
                var reading = ReadAsync((long)count * TextBytes);
                var batch = new byte[TextBytes * 640];
                for (var left = count; left > 0;)
                {
                    var n = Math.Min(left, 640);
                    await stream.WriteAsync(batch.AsMemory(0, n * TextBytes));
                    left -= n;
                }
                await stream.FlushAsync();
                return await reading / TextBytes;
            }

            // Reads `bytes` bytes; returns how many did not come within 60 s.
            async Task<long> ReadAsync(long bytes)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                try
                {
                    while (bytes > 0)
                    {
                        var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes)), timeout.Token);
                        if (read == 0)
                            break;
                        bytes -= read;
                    }
                }
                catch (OperationCanceledException)
                {
                }
                return bytes;
            }
        }
    }
}
