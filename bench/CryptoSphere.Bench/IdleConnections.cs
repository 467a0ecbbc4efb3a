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
/// A node (the real program, in its own process) holding thousands of idle secure connections from
/// simulated peers (this process: TLS, HELLO, then silence but for answering pings), and whether it
/// still chats promptly. The node's memory is read from /proc before and after.
/// </summary>
internal static class IdleConnections
{
    public sealed record Settings(int Connections, int ChatSamples);

    // Issue 14's memory aim (as before it): 5,000 idle peer connections under 50 KiB each.
    private const int AimKiBPerConnection = 50;

    public static bool Run(Settings settings, TextWriter output)
    {
        var dataDir = Directory.CreateTempSubdirectory("cryptosphere-idle-").FullName;
        var port = FreePort();
        using var node = StartNode(dataDir, port);
        try
        {
            WaitForPort(port);
            var before = RssKiB(node.Id);
            Console.Error.WriteLine($"node pid {node.Id} on port {port}, RSS {before / 1024.0:0.0} MiB; opening {settings.Connections} connections...");
            var sessions = new List<SecureSession>();
            var stopwatch = Stopwatch.StartNew();
            var failed = 0;
            Parallel.For(0, settings.Connections, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            {
                try
                {
                    var session = OpenAsync(port).GetAwaiter().GetResult();
                    lock (sessions) sessions.Add(session);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failed);
                }
            });
            var opened = stopwatch.Elapsed;
            GC.Collect();
            var latencies = ChatLatencies(port, settings.ChatSamples).Where(l => !double.IsNaN(l)).ToArray();
            var after = RssKiB(node.Id);
            var alive = sessions.Count(s => !s.Completion.IsCompleted);
            var perConnection = (after - before) * 1024.0 / Math.Max(1, alive);
            output.WriteLine($"Program: {CliNode.Program}");
            output.WriteLine();
            output.WriteLine("| measure | result |");
            output.WriteLine("|---|---|");
            output.WriteLine($"| idle secure connections held | {alive:N0} of {settings.Connections:N0} ({failed} failed to open), opened in {opened.TotalSeconds:0.0} s |");
            output.WriteLine($"| node memory (RSS) before / after | {before / 1024.0:0.0} MiB / {after / 1024.0:0.0} MiB |");
            output.WriteLine($"| node memory per idle connection | **{perConnection / 1024.0:0.0} KiB** |");
            output.WriteLine($"| chat round trip to the node meanwhile ({settings.ChatSamples} messages, send to ack) | p50 {Stats.Percentile(latencies, 50):0.00} ms, p99 {Stats.Percentile(latencies, 99):0.00} ms, max {(latencies.Length > 0 ? latencies[^1] : double.NaN):0.00} ms |");
            foreach (var s in sessions)
                s.CloseAsync().GetAwaiter().GetResult();
            var verdict = new Verdict()
                .Aim("node memory per idle secure connection", $"< {AimKiBPerConnection} KiB", $"{perConnection / 1024.0:0.0} KiB", perConnection / 1024.0 < AimKiBPerConnection)
                .NoLoss("every connection opened and still open", settings.Connections - alive, $"{failed} failed to open")
                .NoLoss("every chat message acknowledged within 30 s", settings.ChatSamples - latencies.Length);
            verdict.Print(output);
            return verdict.Passed;
        }
        finally
        {
            node.Kill(entireProcessTree: true);
            node.WaitForExit();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<SecureSession> OpenAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var identity = NodeIdentity.CreateEphemeral();
        var (ssl, remote) = await TlsHandshake.ConnectAsync(client.GetStream(), identity, null, TimeSpan.FromSeconds(30), default);
        var session = new SecureSession(ssl, remote, (IPEndPoint)client.Client.RemoteEndPoint!, true, FrameCodec.DefaultMaxFrameBytes, TimeProvider.System);
        await session.OpenAsync(new HelloMessage(HelloMessage.CurrentVersion, 1, 0, "idle"), TimeSpan.FromSeconds(30), default);
        session.MarkRegistered();
        return session;
    }

    private static double[] ChatLatencies(int port, int samples)
    {
        return RunAsync().GetAwaiter().GetResult();

        async Task<double[]> RunAsync()
        {
            await using var chatter = new ChatNode(new NodeOptions { Name = "chatter", Bind = IPAddress.Loopback, AdvertiseIp = "127.0.0.1" });
            await chatter.StartAsync();
            var to = new PeerKey("127.0.0.1", port);
            var result = new double[samples];
            for (var i = 0; i < samples; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var sent = await chatter.SendAsync(to, "are you there? " + i);
                try
                {
                    await (sent.Delivered ?? Task.FromException(new TimeoutException())).WaitAsync(TimeSpan.FromSeconds(30));
                    result[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                catch (TimeoutException)
                {
                    result[i] = double.NaN; // lost: counted by the caller, sorted to the front
                }
            }
            Array.Sort(result);
            return result;
        }
    }

    private static Process StartNode(string dataDir, int port)
    {
        // The program as CliNode runs it: the build next to the bench, or the one --cli names (e.g. the native build).
        var info = CliNode.StartInfo(["listen", "--data-dir", dataDir, "--name", "idle-host", "--port", port.ToString(), "--bind", "127.0.0.1",
            "--advertise-ip", "127.0.0.1", "--no-discovery", "--max-connections-per-ip", "100000"]);
        info.RedirectStandardInput = false;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("node: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static long RssKiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
