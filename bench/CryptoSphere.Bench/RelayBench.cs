using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Relay;

namespace CryptoSphere.Bench;

/// <summary>
/// What a relay costs (issue 15 item 7): two nodes in this process chat and move a file over a direct TCP
/// connection and through a real strelaysrv on 127.0.0.1, in the same run, rounds alternating, so the ratio
/// compares like with like on the same machine at the same load. Chat latency is send until the peer's
/// acknowledgement is back (a round trip; through the relay both legs cross it); file throughput is accept until
/// the receiver verified the SHA-256.
/// </summary>
internal static class RelayBench
{
    public sealed record Settings(int Messages, long FileBytes, int Rounds);

    // The relay is a byte pipe, so on loopback it should cost a small constant per message and leave most of the
    // throughput: the median round trip through it under 20 ms, and at least a quarter of the direct file rate.
    private const double AimRelayedMedianMs = 20;
    private const double AimRelayedShareOfDirect = 0.25;

    private sealed record Figures(List<double> RoundTripsMs, double FileRate, long Lost, bool FileIntact, bool AllThroughRelay);

    public static bool Run(Settings settings, TextWriter output)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cryptosphere-relaybench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            using var relay = LocalRelay.TryStart(Path.Combine(dir, "relay"));
            if (relay is null)
            {
                output.WriteLine("CHECK FAILED: strelaysrv is not available (apt-get install syncthing-relaysrv).");
                return false;
            }
            var source = Path.Combine(dir, "source.bin");
            var sourceHash = WriteRandom(source, settings.FileBytes);
            var small = Path.Combine(dir, "warmup.bin");
            var smallHash = WriteRandom(small, 1024 * 1024);
            Console.Error.WriteLine("warm-up: JIT, TLS, the relay's first sessions...");
            RunPairAsync(false, relay.Url, 50, small, smallHash, Path.Combine(dir, "w1")).GetAwaiter().GetResult();
            RunPairAsync(true, relay.Url, 50, small, smallHash, Path.Combine(dir, "w2")).GetAwaiter().GetResult();

            var direct = new List<Figures>();
            var relayed = new List<Figures>();
            var loadBefore = Machine.LoadAverage();
            var started = Stopwatch.StartNew();
            for (var round = 1; round <= settings.Rounds; round++)
            {
                foreach (var throughRelay in round % 2 == 1 ? new[] { false, true } : [true, false])
                {
                    Console.Error.WriteLine($"round {round}/{settings.Rounds}: {(throughRelay ? "through strelaysrv" : "direct TCP")}...");
                    var figures = RunPairAsync(throughRelay, relay.Url, settings.Messages, source, sourceHash, Path.Combine(dir, $"r{round}-{throughRelay}"))
                        .GetAwaiter().GetResult();
                    (throughRelay ? relayed : direct).Add(figures);
                }
            }
            var seconds = started.Elapsed.TotalSeconds;

            var directTrips = direct.SelectMany(f => f.RoundTripsMs).Order().ToArray();
            var relayedTrips = relayed.SelectMany(f => f.RoundTripsMs).Order().ToArray();
            var directRate = Median(direct.Select(f => f.FileRate));
            var relayedRate = Median(relayed.Select(f => f.FileRate));
            var (directMedian, relayedMedian) = (Stats.Percentile(directTrips, 50), Stats.Percentile(relayedTrips, 50));
            Machine.WriteFacts(output);
            output.WriteLine($"- Load average (1, 5, 15 min) before the rounds: {loadBefore}; after: {Machine.LoadAverage()}");
            output.WriteLine($"- Relay: strelaysrv on 127.0.0.1 (no pool, no rate limit); {settings.Rounds} rounds of {settings.Messages} chat messages " +
                             $"one at a time and one {Sizes.Describe(settings.FileBytes)} file per path, paths alternating; {seconds:0} s of rounds");
            output.WriteLine();
            output.WriteLine("| path | chat round trip, median | p95 | p99 | file, accept to verified (median of rounds) |");
            output.WriteLine("|---|---|---|---|---|");
            output.WriteLine($"| direct TCP (TLS 1.3 end to end) | {Ms(directMedian)} | {Ms(Stats.Percentile(directTrips, 95))} | {Ms(Stats.Percentile(directTrips, 99))} | {Rate(directRate)} |");
            output.WriteLine($"| through strelaysrv (TLS 1.3 end to end inside the relay session) | {Ms(relayedMedian)} | {Ms(Stats.Percentile(relayedTrips, 95))} | {Ms(Stats.Percentile(relayedTrips, 99))} | {Rate(relayedRate)} |");
            output.WriteLine($"| relayed / direct | {relayedMedian / directMedian:0.00}× | {Stats.Percentile(relayedTrips, 95) / Stats.Percentile(directTrips, 95):0.00}× | | {relayedRate / directRate:0.00}× |");
            output.WriteLine();
            output.WriteLine($"File rate per round (MiB/s), direct: {string.Join(", ", direct.Select(f => $"{f.FileRate / 1024 / 1024:0}"))}; " +
                             $"relayed: {string.Join(", ", relayed.Select(f => $"{f.FileRate / 1024 / 1024:0}"))}.");
            var verdict = new Verdict()
                .Aim("relayed chat round trip, median", $"< {AimRelayedMedianMs:0} ms", Ms(relayedMedian), relayedMedian < AimRelayedMedianMs)
                .Aim("relayed file throughput, share of direct", $">= {AimRelayedShareOfDirect:0.00}", $"{relayedRate / directRate:0.00}",
                    relayedRate / directRate >= AimRelayedShareOfDirect)
                .Aim("every relayed run went through the relay (deliveries to relay~ID)", "all", relayed.All(f => f.AllThroughRelay) ? "all" : "not all",
                    relayed.All(f => f.AllThroughRelay))
                .NoLoss("chat messages shown by the receiver once each", direct.Concat(relayed).Sum(f => f.Lost))
                .NoLoss("files identical to the source (SHA-256, checked by the bench)", direct.Concat(relayed).Count(f => !f.FileIntact));
            verdict.Print(output);
            return verdict.Passed;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<Figures> RunPairAsync(bool throughRelay, string relayUrl, int messages, string file, byte[] fileHash, string downloads)
    {
        var across = throughRelay ? new AcrossNetworksOptions(RelayUrl.Parse(relayUrl)) : AcrossNetworksOptions.LanOnly;
        var common = new NodeOptions
        {
            Bind = IPAddress.Loopback, AdvertiseIp = "127.0.0.1", AcrossNetworks = across, MaxTransferBytes = long.MaxValue,
            // The relayed pair must stay relayed for the measurement.
            DirectRetryInitialDelay = TimeSpan.FromHours(1),
        };
        await using var receiver = new ChatNode(common with { Name = "receiver", DownloadsDirectory = downloads });
        await using var sender = new ChatNode(common with { Name = "sender" });
        var received = new ConcurrentDictionary<string, int>();
        var done = new TaskCompletionSource<NodeEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.EventRaised += e =>
        {
            if (e is MessageReceived m)
                received.AddOrUpdate(m.Text, 1, (_, n) => n + 1);
            else if (e is TransferOffered o)
                _ = receiver.AcceptTransferAsync(o.Transfer.Id);
        };
        var deliveredTo = new ConcurrentBag<PeerKey>();
        sender.EventRaised += e =>
        {
            switch (e)
            {
                case MessageDelivered d:
                    deliveredTo.Add(d.To);
                    break;
                case TransferAccepted:
                    accepted.TrySetResult(Stopwatch.GetTimestamp());
                    break;
                case TransferCompleted or TransferFailed or TransferDeclined or TransferCancelled:
                    done.TrySetResult(e);
                    break;
            }
        };
        await receiver.StartAsync();
        await sender.StartAsync();
        // Two people chatting across networks have trusted each other; a stranger's messages are paced (200 a second).
        receiver.TrustPeer(sender.Identity.Id);

        Func<string, Task<SendResult>> send;
        Func<Task<OfferResult>> offer;
        if (throughRelay)
        {
            using var joined = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await receiver.RelayClient!.WaitJoinedAsync(joined.Token);
            // The sender met the receiver before, at an address that no longer answers: the relay is the way.
            var now = DateTimeOffset.UtcNow;
            sender.Trust.RecordContact(receiver.Identity.Id, "receiver", $"127.0.0.1:{DeadPort()}", now);
            sender.Trust.RecordDeviceId(receiver.Identity.Id, receiver.DeviceId, now);
            send = text => sender.SendAsync(receiver.Identity.Id, text);
            offer = () => sender.OfferFileAsync(receiver.Identity.Id, file);
        }
        else
        {
            var to = new PeerKey("127.0.0.1", receiver.Port);
            send = text => sender.SendAsync(to, text);
            offer = () => sender.OfferFileAsync(to, file);
        }

        // The first message opens the session (and for the relay, asks for it): not part of the round trips.
        await DeliverAsync(send, "hello");
        var trips = new List<double>(messages);
        for (var i = 0; i < messages; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await DeliverAsync(send, $"m{i}");
            trips.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var offered = await offer();
        if (!offered.Success)
            throw new InvalidOperationException($"offer failed: {offered.Error}");
        var outcome = await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var end = Stopwatch.GetTimestamp();
        if (outcome is not TransferCompleted)
            throw new InvalidOperationException($"transfer ended with {outcome}");
        var rate = new FileInfo(file).Length / Stopwatch.GetElapsedTime(await accepted.Task, end).TotalSeconds;
        var saved = Directory.GetFiles(downloads);
        var intact = saved.Length == 1 && Hash(saved[0]).AsSpan().SequenceEqual(fileHash);

        var lost = Enumerable.Range(0, messages).Count(i => received.GetValueOrDefault($"m{i}") != 1);
        var allRelayed = deliveredTo.All(k => k.Host.StartsWith("relay~", StringComparison.Ordinal)) && !deliveredTo.IsEmpty;
        return new Figures(trips, rate, lost, intact, allRelayed);
    }

    private static async Task DeliverAsync(Func<string, Task<SendResult>> send, string text)
    {
        var result = await send(text);
        if (!result.Success || result.Delivered is null)
            throw new InvalidOperationException($"'{text}' not sent: {result.Error}");
        await result.Delivered.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static int DeadPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static byte[] WriteRandom(string path, long bytes)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var output = File.Create(path);
        var block = new byte[1024 * 1024];
        for (long written = 0; written < bytes; written += block.Length)
        {
            RandomNumberGenerator.Fill(block);
            var n = (int)Math.Min(block.Length, bytes - written);
            sha.AppendData(block, 0, n);
            output.Write(block, 0, n);
        }
        return sha.GetHashAndReset();
    }

    private static byte[] Hash(string path)
    {
        using var file = File.OpenRead(path);
        return SHA256.HashData(file);
    }

    private static double Median(IEnumerable<double> values) => Stats.Percentile(values.Order().ToArray(), 50);

    private static string Ms(double ms) => $"{ms:0.00} ms";

    private static string Rate(double bytesPerSecond) => $"{bytesPerSecond / 1024 / 1024:N0} MiB/s";
}
