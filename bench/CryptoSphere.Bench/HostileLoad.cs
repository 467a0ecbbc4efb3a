using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Bench;

/// <summary>
/// A node under hostile load, one kind at a time, while a well-behaved peer keeps chatting with it and
/// times each message from send to acknowledgement. Attackers connect from 127.0.0.2, the chatter from
/// 127.0.0.1, as they would be different hosts.
/// </summary>
internal static class HostileLoad
{
    public sealed record Settings(int FloodConnections, int SlowConnections, double Seconds);

    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");

    // Issue 12's aims: an attack never costs another peer more than 3x its idle latency, nor the node more than 256 MiB above idle.
    private const double AimLatencyFactor = 3;
    private const double AimExtraMiB = 256;

    public static bool Run(Settings settings, TextWriter output)
    {
        return RunAsync().GetAwaiter().GetResult();

        async Task<bool> RunAsync()
        {
            await using var node = new ChatNode(new NodeOptions { Name = "target", Bind = IPAddress.Any, AdvertiseIp = "127.0.0.1" });
            await node.StartAsync();
            await using var chatter = new ChatNode(new NodeOptions { Name = "chatter", Bind = IPAddress.Loopback, AdvertiseIp = "127.0.0.1" });
            await chatter.StartAsync();
            var target = new PeerKey("127.0.0.1", node.Port);
            var duration = TimeSpan.FromSeconds(settings.Seconds);

            output.WriteLine($"| load (for {settings.Seconds:0} s) | attacker's work | chat messages acknowledged | chat round trip p50 | p99 | max | node memory after |");
            output.WriteLine("|---|---|---:|---:|---:|---:|---:|");
            var verdict = new Verdict();
            var baseline = await PhaseAsync("none (baseline)", () => Task.FromResult("-"));
            verdict.NoLoss("baseline: every chat message acknowledged", baseline.Lost, $"{baseline.Acked:N0} acknowledged");
            Judge("connection flood", await PhaseAsync($"connection flood ({settings.FloodConnections:N0} opened and dropped at once, repeatedly)", () => FloodAsync(node.Port, settings.FloodConnections, duration)));
            Judge("slowloris", await PhaseAsync($"slowloris ({settings.SlowConnections:N0} connections, one byte every 2 s)", () => SlowlorisAsync(node.Port, settings.SlowConnections, duration)));
            Judge("frame flood", await PhaseAsync("a secure peer sending CHAT frames as fast as it can", () => FastFramesAsync(node.Port, duration)));
            verdict.Print(output);
            return verdict.Passed;

            void Judge(string attack, (double P50, double MiB, long Acked, long Lost) phase)
            {
                var bound = baseline.P50 * AimLatencyFactor;
                verdict.Aim($"{attack}: chat round trip p50", $"<= {AimLatencyFactor:0}x baseline ({bound:0.00} ms)", $"{phase.P50:0.00} ms", phase.P50 <= bound)
                    .Aim($"{attack}: process memory", $"<= baseline + {AimExtraMiB:0} MiB ({baseline.MiB + AimExtraMiB:0} MiB)", $"{phase.MiB:0} MiB", phase.MiB <= baseline.MiB + AimExtraMiB)
                    .NoLoss($"{attack}: every chat message acknowledged", phase.Lost, $"{phase.Acked:N0} acknowledged");
            }

            // Round trip p50 (ms), working set after (MiB), chat messages acknowledged, and lost (not sent, or not acknowledged in 30 s).
            async Task<(double P50, double MiB, long Acked, long Lost)> PhaseAsync(string label, Func<Task<string>> attack)
            {
                Console.Error.WriteLine(label + "...");
                using var stop = new CancellationTokenSource(duration);
                var attacking = attack();
                var latencies = new List<double>();
                long lost = 0;
                while (!stop.IsCancellationRequested)
                {
                    var start = Stopwatch.GetTimestamp();
                    var sent = await chatter.SendAsync(target, "still there?");
                    if (sent.Delivered is null)
                    {
                        lost++;
                        break;
                    }
                    try
                    {
                        await sent.Delivered.WaitAsync(TimeSpan.FromSeconds(30));
                    }
                    catch (TimeoutException)
                    {
                        lost++;
                        break;
                    }
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    await Task.Delay(10);
                }
                var work = await attacking;
                var sorted = latencies.Order().ToArray();
                GC.Collect();
                var memory = Process.GetCurrentProcess().WorkingSet64 / 1024.0 / 1024.0;
                output.WriteLine($"| {label} | {work} | {sorted.Length} | {Stats.Percentile(sorted, 50):0.00} ms | {Stats.Percentile(sorted, 99):0.00} ms | " +
                                 $"{(sorted.Length > 0 ? sorted[^1] : double.NaN):0.00} ms | {memory:0} MiB (whole bench process) |");
                return (Stats.Percentile(sorted, 50), memory, sorted.Length, lost);
            }
        }
    }

    private static Socket AttackerSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(Attacker, 0));
        return socket;
    }

    private static async Task<string> FloodAsync(int port, int connections, TimeSpan duration)
    {
        var stopwatch = Stopwatch.StartNew();
        long opened = 0, failed = 0;
        while (stopwatch.Elapsed < duration)
        {
            var batch = Enumerable.Range(0, connections).Select(async _ =>
            {
                using var socket = AttackerSocket();
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, port);
                    Interlocked.Increment(ref opened);
                }
                catch (SocketException)
                {
                    Interlocked.Increment(ref failed);
                }
            });
            await Task.WhenAll(batch);
        }
        return $"{opened:N0} connections opened and dropped ({failed:N0} refused)";
    }

    private static async Task<string> SlowlorisAsync(int port, int connections, TimeSpan duration)
    {
        var sockets = new List<Socket>();
        var cut = 0;
        foreach (var _ in Enumerable.Range(0, connections))
        {
            var socket = AttackerSocket();
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port);
                sockets.Add(socket);
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
        var stopwatch = Stopwatch.StartNew();
        var header = "<127.0.0.2:6666> @ <slow>\n"u8.ToArray();
        var at = 0;
        while (stopwatch.Elapsed < duration)
        {
            foreach (var socket in sockets.Where(s => s.Connected))
            {
                try
                {
                    await socket.SendAsync(header.AsMemory(at % header.Length, 1));
                }
                catch (SocketException)
                {
                    cut++;
                }
            }
            at++;
            await Task.Delay(TimeSpan.FromSeconds(2) < duration - stopwatch.Elapsed ? TimeSpan.FromSeconds(2) : TimeSpan.Zero);
        }
        foreach (var socket in sockets)
            socket.Dispose();
        return $"{sockets.Count:N0} trickling connections held ({cut} writes failed)";
    }

    private static async Task<string> FastFramesAsync(int port, TimeSpan duration)
    {
        var socket = AttackerSocket();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        using var identity = NodeIdentity.CreateEphemeral();
        var (ssl, remote) = await TlsHandshake.ConnectAsync(new NetworkStream(socket, ownsSocket: true), identity, null, TimeSpan.FromSeconds(10), default);
        long acked = 0;
        var session = new SecureSession(ssl, remote, (IPEndPoint)socket.RemoteEndPoint!, true, FrameCodec.DefaultMaxFrameBytes, TimeProvider.System)
        {
            OnFrame = (_, type, _) =>
            {
                if (type == FrameType.Ack)
                    Interlocked.Increment(ref acked);
                return ValueTask.CompletedTask;
            },
        };
        await session.OpenAsync(new HelloMessage(HelloMessage.CurrentVersion, 1, 0, "flooder"), TimeSpan.FromSeconds(10), default);
        session.MarkRegistered();
        var stopwatch = Stopwatch.StartNew();
        long sent = 0;
        var text = new string('f', 100);
        while (stopwatch.Elapsed < duration)
        {
            await session.SendChatAsync(new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.UtcNow, text));
            sent++;
        }
        await session.CloseAsync();
        return $"{sent:N0} frames sent ({sent / duration.TotalSeconds:N0}/s), {Interlocked.Read(ref acked):N0} stored and acknowledged";
    }
}
