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
    /// <param name="Product">The target is the <c>cryptosphere listen</c> program in its own process with its data directory
/// on disk (memory is that process's); otherwise an in-process node with an in-memory store (a component figure).</param>
    public sealed record Settings(int FloodConnections, int SlowConnections, double Seconds, bool Product = false);

    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");

    // The aims of issue 12: a flood costs a friend at most 3x its idle round trip and the node at most 256 MiB.
    private const double AimLatencyFactor = 3;
    private const double AimExtraMiB = 256;

    public static bool Run(Settings settings, TextWriter output)
    {
        return RunAsync().GetAwaiter().GetResult();

        async Task<bool> RunAsync()
        {
            var dataDir = Directory.CreateTempSubdirectory("hostile-");
            using var program = settings.Product ? CliNode.Listen("target", dataDir.FullName) : null;
            await using var node = settings.Product ? null : new ChatNode(new NodeOptions { Name = "target", Bind = IPAddress.Any, AdvertiseIp = "127.0.0.1" });
            if (node is not null)
                await node.StartAsync();
            var port = program?.Port ?? node!.Port;
            output.WriteLine(settings.Product
                ? "Target: `cryptosphere listen` in its own process, data directory on disk; memory is that process's RSS."
                : "Target: an in-process node with an in-memory store (component figure); memory is the whole bench process, attackers included.");
            await using var chatter = new ChatNode(new NodeOptions { Name = "chatter", Bind = IPAddress.Loopback, AdvertiseIp = "127.0.0.1" });
            await chatter.StartAsync();
            var target = new PeerKey("127.0.0.1", port);
            var duration = TimeSpan.FromSeconds(settings.Seconds);

            output.WriteLine($"| load (for {settings.Seconds:0} s) | attacker's work | chat messages acknowledged | chat round trip p50 | p99 | max | " +
                             "peak RSS above the phase's start | peak managed heap above the phase's start | node's budgets at their fullest |");
            output.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---|");
            var verdict = new Verdict();
            var baseline = await PhaseAsync("none (baseline)", () => Task.FromResult("-"));
            verdict.NoLoss("baseline: every chat message acknowledged", baseline.Lost, $"{baseline.Acked:N0} acknowledged");
            Judge("connection flood", await PhaseAsync($"connection flood ({settings.FloodConnections:N0} opened and dropped at once, repeatedly)", () => FloodAsync(port, settings.FloodConnections, duration)));
            Judge("slowloris", await PhaseAsync($"slowloris ({settings.SlowConnections:N0} connections, one byte every 2 s)", () => SlowlorisAsync(port, settings.SlowConnections, duration)));
            Judge("frame flood", await PhaseAsync("a secure peer sending CHAT frames as fast as it can", () => FastFramesAsync(port, duration)));
            Judge("1 MiB frames", await PhaseAsync("two secure peers sending 1 MiB CHAT frames as fast as they can", () => LargeFramesAsync(port, 2, duration)));
            Judge("ACK flood", await PhaseAsync("a secure peer sending ACK frames as fast as it can", () => AckFloodAsync(port, duration)));
            Judge("half frames", await PhaseAsync("150 sessions from one address, each holding half of a 1 MiB frame", () => HalfFramesAsync(port, 150, duration)));
            verdict.Print(output);
            program?.Stop(TimeSpan.FromSeconds(10));
            dataDir.Delete(recursive: true);
            return verdict.Passed;

            void Judge(string attack, (double P50, double MiB, long Acked, long Lost) phase)
            {
                var bound = baseline.P50 * AimLatencyFactor;
                verdict.Aim($"{attack}: chat round trip p50", $"<= {AimLatencyFactor:0}x baseline ({bound:0.00} ms)", $"{phase.P50:0.00} ms", phase.P50 <= bound)
                    .Aim($"{attack}: peak RSS above the phase's start", $"<= {AimExtraMiB:0} MiB", $"{phase.MiB:0} MiB", phase.MiB <= AimExtraMiB)
                    .NoLoss($"{attack}: every chat message acknowledged", phase.Lost, $"{phase.Acked:N0} acknowledged");
            }

            long Rss() => program is null ? Process.GetCurrentProcess().WorkingSet64 : program.MemoryKiB().Rss * 1024;

            // Round trip p50 (ms), peak RSS above the phase's start (MiB, whole bench process: attackers included),
            // chat messages acknowledged, and lost (not sent, or not acknowledged in 30 s).
            async Task<(double P50, double MiB, long Acked, long Lost)> PhaseAsync(string label, Func<Task<string>> attack)
            {
                Console.Error.WriteLine(label + "...");
                using var stop = new CancellationTokenSource(duration);
                var limits = node?.ReceiveLimits;
                var (unstoredBefore, partialBefore, acksBefore) = limits is null ? (0, 0, 0) : (limits.Unstored.HighWater, limits.PartialNode.HighWater, node!.Store.AcknowledgementsHighWater);
                // Each phase is measured from where the last one left the process (RSS rarely shrinks).
                var startHeap = node is null ? 0 : GC.GetTotalMemory(true);
                var startRss = Rss();
                long peakRss = startRss, peakHeap = startHeap;
                using var sampling = new CancellationTokenSource();
                var sampler = Task.Run(async () =>
                {
                    while (!sampling.IsCancellationRequested)
                    {
                        peakRss = Math.Max(peakRss, Rss());
                        if (node is not null)
                            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                        await Task.Delay(50, CancellationToken.None);
                    }
                });
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
                sampling.Cancel();
                await sampler;
                var sorted = latencies.Order().ToArray();
                GC.Collect();
                // The budgets' high-water marks only grow; a phase that did not reach the earlier mark shows "-".
                string Mark(long before, long now) => now > before ? $"{now / 1048576.0:0.0} MiB" : "-";
                var budgets = limits is null ? "- (not visible from outside)" : $"unstored {Mark(unstoredBefore, limits.Unstored.HighWater)} of {limits.Unstored.Capacity / 1048576} MiB, " +
                              $"partial frames {Mark(partialBefore, limits.PartialNode.HighWater)} of {limits.PartialNode.Capacity / 1048576} MiB, " +
                              $"acks queued {(node!.Store.AcknowledgementsHighWater > acksBefore ? node.Store.AcknowledgementsHighWater.ToString("N0") : "-")}";
                output.WriteLine($"| {label} | {work} | {sorted.Length} | {Stats.Percentile(sorted, 50):0.00} ms | {Stats.Percentile(sorted, 99):0.00} ms | " +
                                 $"{(sorted.Length > 0 ? sorted[^1] : double.NaN):0.00} ms | {(peakRss - startRss) / 1048576.0:0} MiB | " +
                                 $"{(node is null ? "-" : $"{(peakHeap - startHeap) / 1048576.0:0} MiB")} | {budgets} |");
                return (Stats.Percentile(sorted, 50), (peakRss - startRss) / 1048576.0, sorted.Length, lost);
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
        using var identity = NodeIdentity.CreateEphemeral();
        long acked = 0;
        var (session, socket) = await AttackerSessionAsync(port, identity, n => Interlocked.Add(ref acked, n));
        var stopwatch = Stopwatch.StartNew();
        long sent = 0;
        var text = new string('f', 100);
        using (StopAt(socket, duration))
        {
            while (stopwatch.Elapsed < duration && await TrySendAsync(session, new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.UtcNow, text)))
                sent++;
        }
        await ResetAsync(session, socket);
        return $"{sent:N0} frames queued ({sent / duration.TotalSeconds:N0}/s), {Interlocked.Read(ref acked):N0} stored and acknowledged";
    }

    // A node that paces the attacker reads slowly, so a send can wait on TCP for as long as the node likes and a
    // graceful close would drain frames at the node's pace: the attack ends by resetting its connection on time.
    private static CancellationTokenSource StopAt(Socket socket, TimeSpan duration)
    {
        var timer = new CancellationTokenSource(duration > TimeSpan.Zero ? duration : TimeSpan.Zero);
        timer.Token.Register(() => socket.Close(0));
        return timer;
    }

    private static async Task ResetAsync(SecureSession session, Socket socket)
    {
        socket.Close(0);
        await session.DisposeAsync();
    }

    private static async Task<bool> TrySendAsync(SecureSession session, ChatMessage message)
    {
        try
        {
            await session.SendChatAsync(message);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            return false;
        }
    }

    private static async Task<(SecureSession Session, Socket Socket)> AttackerSessionAsync(int port, NodeIdentity identity, Action<long>? onAck = null)
    {
        var socket = AttackerSocket();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var (ssl, remote) = await TlsHandshake.ConnectAsync(new NetworkStream(socket, ownsSocket: true), identity, null, TimeSpan.FromSeconds(10), default);
        var session = new SecureSession(ssl, remote, (IPEndPoint)socket.RemoteEndPoint!, true, FrameCodec.DefaultMaxFrameBytes, TimeProvider.System)
        {
            OnFrame = (_, type, _) =>
            {
                if (type == FrameType.Ack)
                    onAck?.Invoke(1);
                return ValueTask.CompletedTask;
            },
        };
        await session.OpenAsync(new HelloMessage(HelloMessage.CurrentVersion, 1, 0, "flooder"), TimeSpan.FromSeconds(10), default);
        session.MarkRegistered();
        return (session, socket);
    }

    // Issue 12 #1: 1 MiB frames (held as 2 MB strings) from several peers at once.
    private static async Task<string> LargeFramesAsync(int port, int peers, TimeSpan duration)
    {
        long sent = 0, acked = 0;
        var text = new string('L', FrameCodec.DefaultMaxFrameBytes - 64);
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, peers).Select(async _ =>
        {
            using var identity = NodeIdentity.CreateEphemeral();
            var (session, socket) = await AttackerSessionAsync(port, identity, n => Interlocked.Add(ref acked, n));
            using (StopAt(socket, duration - stopwatch.Elapsed))
            {
                while (stopwatch.Elapsed < duration && await TrySendAsync(session, new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.UtcNow, text)))
                    Interlocked.Increment(ref sent);
            }
            await ResetAsync(session, socket);
        }));
        return $"{sent:N0} frames of 1 MiB sent by {peers} peers, {Interlocked.Read(ref acked):N0} stored and acknowledged";
    }

    // Issue 12 #3: ACKs for messages that do not exist, flat out.
    private static async Task<string> AckFloodAsync(int port, TimeSpan duration)
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var (session, _) = await AttackerSessionAsync(port, identity);
        var stopwatch = Stopwatch.StartNew();
        long sent = 0;
        var batch = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid()).ToArray();
        while (stopwatch.Elapsed < duration)
        {
            await session.SendAsync(batch, static (ids, w) =>
            {
                foreach (var id in ids)
                    new AckMessage(id).Encode(w);
            });
            sent += batch.Length;
        }
        await session.CloseAsync();
        return $"{sent:N0} ACK frames sent ({sent / duration.TotalSeconds:N0}/s)";
    }

    // Issue 12 #17: many sessions from one address, each announcing a 1 MiB frame and sending half of it.
    private static async Task<string> HalfFramesAsync(int port, int sessions, TimeSpan duration)
    {
        var opened = new List<(SecureSession Session, NodeIdentity Identity)>();
        var half = new byte[FrameCodec.DefaultMaxFrameBytes / 2];
        var failed = 0;
        for (var i = 0; i < sessions; i++)
        {
            var identity = NodeIdentity.CreateEphemeral();
            try
            {
                var (session, _) = await AttackerSessionAsync(port, identity);
                opened.Add((session, identity));
                await session.SendAsync(half, static (h, w) =>
                {
                    var span = w.GetSpan(FrameCodec.HeaderSize + 1);
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span, (uint)FrameCodec.DefaultMaxFrameBytes);
                    span[FrameCodec.HeaderSize] = (byte)FrameType.Chat;
                    w.Advance(FrameCodec.HeaderSize + 1);
                    System.Buffers.BuffersExtensions.Write(w, h);
                });
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException)
            {
                identity.Dispose();
                failed++;
            }
        }
        await Task.Delay(duration);
        foreach (var (session, identity) in opened)
        {
            await session.CloseAsync();
            identity.Dispose();
        }
        return $"{opened.Count} sessions held half a frame each ({failed} could not open)";
    }
}
