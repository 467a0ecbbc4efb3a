using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Bench;

/// <summary>
/// 100-byte chat messages over one connection, each acknowledged by the receiver: over TLS 1.3 with
/// mutual authentication (the secure protocol's sessions), and over plain TCP with the same framing,
/// in the same run, so the cost of TLS shows as a ratio. No store is involved: this is the wire path.
/// </summary>
internal static class SecureThroughput
{
    public sealed record Settings(int Messages, int LatencySamples, int Rounds);

    // Issue 3's aims for the wire path: at least 200,000 acknowledged messages/s, a round trip p99 under 1 ms.
    private const double AimRate = 200_000;
    private const double AimP99Ms = 1.0;

    public static bool Run(Settings settings, TextWriter output)
    {
        var text = new string('x', 100);
        var rows = new List<(string Transport, double Rate, double P50, double P99)>();
        long lost = 0, sent = 0;
        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var tls in new[] { true, false })
            {
                Console.Error.WriteLine($"round {round + 1}/{settings.Rounds}, {(tls ? "TLS" : "plain TCP")}...");
                using var pair = Pair.OpenAsync(tls).GetAwaiter().GetResult();
                var (rate, unacked) = pair.ThroughputAsync(text, settings.Messages).GetAwaiter().GetResult();
                var (latencies, timedOut) = pair.LatencyAsync(text, settings.LatencySamples).GetAwaiter().GetResult();
                lost += unacked + timedOut;
                sent += settings.Messages + settings.LatencySamples;
                rows.Add((tls ? "TLS 1.3" : "plain TCP", rate, Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99)));
            }
        }
        output.WriteLine($"| transport | messages/s (with acks, {settings.Messages:N0} per round, median of {settings.Rounds}) | latency p50 | latency p99 |");
        output.WriteLine("|---|---|---|---|");
        foreach (var group in rows.GroupBy(r => r.Transport))
        {
            output.WriteLine($"| {group.Key} | {Median(group.Select(r => r.Rate)):N0} | {Median(group.Select(r => r.P50)) * 1000:0} µs | {Median(group.Select(r => r.P99)) * 1000:0} µs |");
        }
        var tlsRate = Median(rows.Where(r => r.Transport == "TLS 1.3").Select(r => r.Rate));
        var plainRate = Median(rows.Where(r => r.Transport == "plain TCP").Select(r => r.Rate));
        output.WriteLine($"| TLS / plain | {tlsRate / plainRate:0.00} | | |");
        var tlsP99 = Median(rows.Where(r => r.Transport == "TLS 1.3").Select(r => r.P99));
        var verdict = new Verdict()
            .Aim("TLS 1.3 messages/s with acks (median of rounds)", $">= {AimRate:N0}", $"{tlsRate:N0}", tlsRate >= AimRate)
            .Aim("TLS 1.3 round trip p99 (median of rounds)", $"< {AimP99Ms} ms", $"{tlsP99:0.000} ms", tlsP99 < AimP99Ms)
            .NoLoss("every message acknowledged, both transports", lost, $"of {sent:N0} sent");
        verdict.Print(output);
        return verdict.Passed;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }


    /// <summary>A sender session and a receiver session on loopback; the receiver acks every CHAT.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly SecureSession _sender;
        private readonly SecureSession _receiver;
        private int _acked;
        private int _expected;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Pair(Func<Pair, (SecureSession Sender, SecureSession Receiver)> open)
        {
            (_sender, _receiver) = open(this);
        }

        public static async Task<Pair> OpenAsync(bool tls)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var client = new TcpClient { NoDelay = true };
            var accept = listener.AcceptTcpClientAsync();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            var server = await accept;
            server.NoDelay = true;
            Stream clientStream = client.GetStream(), serverStream = server.GetStream();
            var a = NodeIdentity.CreateEphemeral();
            var b = NodeIdentity.CreateEphemeral();
            if (tls)
            {
                var serverSide = TlsHandshake.AcceptAsync(serverStream, b, TimeSpan.FromSeconds(10), default);
                var clientSide = await TlsHandshake.ConnectAsync(clientStream, a, b.Id, TimeSpan.FromSeconds(10), default);
                clientStream = clientSide.Stream;
                serverStream = (await serverSide).Stream;
            }
            var pair = new Pair(p => (
                new SecureSession(clientStream, b.Id, (IPEndPoint)client.Client.RemoteEndPoint!, true, FrameCodec.DefaultMaxFrameBytes, TimeProvider.System)
                {
                    OnFrame = (_, type, _) =>
                    {
                        if (type == FrameType.Ack)
                            p.OnAck();
                        return ValueTask.CompletedTask;
                    },
                },
                new SecureSession(serverStream, a.Id, (IPEndPoint)server.Client.RemoteEndPoint!, false, FrameCodec.DefaultMaxFrameBytes, TimeProvider.System)
                {
                    OnFrame = (s, type, body) => type == FrameType.Chat ? s.SendAckAsync(ChatMessage.Decode(body).Id) : ValueTask.CompletedTask,
                }));
            var hello = new HelloMessage(HelloMessage.CurrentVersion, 1, 0, "bench");
            await Task.WhenAll(pair._sender.OpenAsync(hello, TimeSpan.FromSeconds(10), default),
                pair._receiver.OpenAsync(hello, TimeSpan.FromSeconds(10), default));
            // What the node does once a session is its only one with that peer: chats flow from here on.
            pair._sender.MarkRegistered();
            pair._receiver.MarkRegistered();
            return pair;
        }

        private void OnAck()
        {
            if (Interlocked.Increment(ref _acked) == _expected)
                _done.TrySetResult();
        }

        private Task Expect(int count)
        {
            _acked = 0;
            _expected = count;
            _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return _done.Task;
        }

        /// <summary>Messages per second from the first send to the last ack, with sends not waiting for acks;
        /// and how many were still unacknowledged after two minutes.</summary>
        public async Task<(double Rate, long Unacked)> ThroughputAsync(string text, int count)
        {
            var messages = Enumerable.Range(0, count).Select(_ => new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.UtcNow, text)).ToArray();
            var done = Expect(count);
            var stopwatch = Stopwatch.StartNew();
            foreach (var m in messages)
                await _sender.SendChatAsync(m);
            try
            {
                await done.WaitAsync(TimeSpan.FromMinutes(2));
            }
            catch (TimeoutException)
            {
                return (0, count - Volatile.Read(ref _acked));
            }
            return (count / stopwatch.Elapsed.TotalSeconds, 0);
        }

        /// <summary>Unloaded round trips: one message, wait for its ack, next. Milliseconds, sorted; and how many
        /// were not acknowledged within 10 s (the round stops at the first).</summary>
        public async Task<(double[] Latencies, long TimedOut)> LatencyAsync(string text, int samples)
        {
            var result = new double[samples];
            for (var i = 0; i < samples; i++)
            {
                var done = Expect(1);
                var start = Stopwatch.GetTimestamp();
                await _sender.SendChatAsync(new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.UtcNow, text));
                try
                {
                    await done.WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (TimeoutException)
                {
                    var measured = result[..i];
                    Array.Sort(measured);
                    return (measured, samples - i);
                }
                result[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(result);
            return (result, 0);
        }

        public void Dispose()
        {
            _sender.CloseAsync().GetAwaiter().GetResult();
            _receiver.CloseAsync().GetAwaiter().GetResult();
        }
    }
}
