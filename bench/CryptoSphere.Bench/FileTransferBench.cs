using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Bench;

/// <summary>
/// One file over loopback, three ways, in the same run and on the same bytes:
/// <list type="bullet">
/// <item>raw TCP, memory to memory: the socket alone (the ceiling of loopback);</item>
/// <item>TLS 1.3 with the nodes' handshake, memory to memory: the ceiling once everything is encrypted;</item>
/// <item>raw TCP file copy: read the file, plain socket, write the copy and flush it to disk — the same disk work a transfer does;</item>
/// <item>a CryptoSphere transfer between two nodes: TLS 1.3, framing, windowed acks, SHA-256 on the receiver, fsync, rename.</item>
/// </list>
/// The sender's SHA-256 before the offer is timed apart. The process's working set is sampled every 20 ms
/// to show memory stays flat (both nodes run in this process).
/// </summary>
internal static class FileTransferBench
{
    /// <param name="WindowBytes">The sender's file window; 0 keeps the node's default.</param>
    public sealed record Settings(long Bytes, int Rounds, int WindowBytes = 0);

    private const int CopyBlock = 64 * 1024;

    // Issue 6's aims: a transfer at least half as fast as a raw TCP copy of the same file (TLS and hashing on),
    // and memory flat during it (the working set within one transfer moves less than this).
    private const double AimShareOfFileCopy = 0.5;
    private const long AimFlatBytes = 64L * 1024 * 1024;

    public static bool Run(Settings settings, TextWriter output)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cryptosphere-filebench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var source = Path.Combine(dir, "source.bin");
            Console.Error.WriteLine($"writing {Sizes.Describe(settings.Bytes)} of random bytes...");
            WriteRandom(source, settings.Bytes);
            var sourceHash = Hash(source);
            long corrupt = 0, failed = 0;
            // Warm-up on a small file: JIT, TLS, thread pool.
            TransferAsync(WriteSmall(dir), Path.Combine(dir, "warmup"), settings.WindowBytes).GetAwaiter().GetResult();

            var idle = Process.GetCurrentProcess().WorkingSet64;
            var memoryRaw = new List<(double Rate, double Cpu)>();
            var memoryTls = new List<(double Rate, double Cpu)>();
            var fileRaw = new List<(double Rate, double Cpu)>();
            var transfers = new List<(TransferFigures Figures, double Cpu)>();
            for (var round = 1; round <= settings.Rounds; round++)
            {
                Console.Error.WriteLine($"round {round}/{settings.Rounds}: raw TCP, memory to memory...");
                memoryRaw.Add(WithCpu(settings.Bytes, () => RawMemoryAsync(settings.Bytes).GetAwaiter().GetResult()));
                Console.Error.WriteLine($"round {round}/{settings.Rounds}: TLS 1.3, memory to memory...");
                memoryTls.Add(WithCpu(settings.Bytes, () => TlsMemoryAsync(settings.Bytes).GetAwaiter().GetResult()));
                Console.Error.WriteLine($"round {round}/{settings.Rounds}: raw TCP file copy...");
                fileRaw.Add(WithCpu(settings.Bytes, () => RawFileCopyAsync(source, Path.Combine(dir, $"raw-{round}.bin")).GetAwaiter().GetResult()));
                File.Delete(Path.Combine(dir, $"raw-{round}.bin"));
                Console.Error.WriteLine($"round {round}/{settings.Rounds}: CryptoSphere transfer...");
                var downloads = Path.Combine(dir, $"downloads-{round}");
                try
                {
                    transfers.Add(WithCpu(settings.Bytes, () => TransferAsync(source, downloads, settings.WindowBytes).GetAwaiter().GetResult()));
                    // The receiver verified it; the bench checks too, so a verification bug cannot pass as a fast transfer.
                    var received = Directory.GetFiles(downloads);
                    if (received.Length != 1 || !Hash(received[0]).AsSpan().SequenceEqual(sourceHash))
                        corrupt++;
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    Console.Error.WriteLine($"round {round}: transfer failed: {e.Message}");
                    failed++;
                }
                if (Directory.Exists(downloads))
                    Directory.Delete(downloads, recursive: true);
            }

            if (transfers.Count == 0)
            {
                output.WriteLine($"CHECK FAILED: all {failed} transfers failed.");
                return false;
            }
            var rawMemory = Median(memoryRaw.Select(r => r.Rate));
            var rawFile = Median(fileRaw.Select(r => r.Rate));
            var tls = Median(memoryTls.Select(r => r.Rate));
            var data = Median(transfers.Select(t => t.Figures.DataRate));
            var whole = Median(transfers.Select(t => t.Figures.WholeRate));
            Machine.WriteFacts(output);
            output.WriteLine($"- File window: {Sizes.Describe(settings.WindowBytes > 0 ? settings.WindowBytes : new NodeOptions().FileWindowBytes)}");
            output.WriteLine();
            output.WriteLine($"| measure ({Sizes.Describe(settings.Bytes)}, median of {settings.Rounds}) | throughput | vs raw TCP memory to memory | vs raw TCP file copy | CPU time per GiB (both ends) |");
            output.WriteLine("|---|---|---|---|---|");
            output.WriteLine($"| raw TCP, memory to memory | {Rate(rawMemory)} | 1.00 | | {Cpu(memoryRaw.Select(r => r.Cpu))} |");
            output.WriteLine($"| raw TCP file copy (read, socket, write, fsync) | {Rate(rawFile)} | {rawFile / rawMemory:0.00} | 1.00 | {Cpu(fileRaw.Select(r => r.Cpu))} |");
            output.WriteLine($"| TLS 1.3 socket, memory to memory (no framing, hashing or disk) | {Rate(tls)} | {tls / rawMemory:0.00} | {tls / rawFile:0.00} | {Cpu(memoryTls.Select(r => r.Cpu))} |");
            output.WriteLine($"| CryptoSphere transfer, accept to verified (TLS, acks, SHA-256, fsync, rename) | {Rate(data)} | {data / rawMemory:0.00} | {data / rawFile:0.00} | |");
            output.WriteLine($"| CryptoSphere, offer to verified (plus the sender's SHA-256 before the offer) | {Rate(whole)} | {whole / rawMemory:0.00} | {whole / rawFile:0.00} | {Cpu(transfers.Select(t => t.Cpu))} |");
            output.WriteLine();
            output.WriteLine($"CryptoSphere phases (median): SHA-256 and offer until accepted {Median(transfers.Select(t => t.Figures.OfferSeconds)):0.00} s, " +
                             $"accepted until every byte is written {Median(transfers.Select(t => t.Figures.WriteSeconds)):0.00} s, " +
                             $"then hash catch-up, fsync, rename and FILE_RESULT {Median(transfers.Select(t => t.Figures.VerifySeconds)):0.00} s.");
            output.WriteLine();
            output.WriteLine("| memory (working set of the process: both nodes) | |");
            output.WriteLine("|---|---|");
            output.WriteLine($"| before the rounds | {Mib(idle)} |");
            output.WriteLine($"| peak during raw TCP file copies | {Mib(RawPeak)} |");
            output.WriteLine($"| peak during CryptoSphere transfers | {Mib(transfers.Max(t => t.Figures.PeakWorkingSet))} |");
            output.WriteLine($"| peak managed heap during CryptoSphere transfers | {Mib(transfers.Max(t => t.Figures.PeakHeap))} |");
            output.WriteLine($"| working set sampled every 20 ms during the last transfer, min / max | {Mib(transfers[^1].Figures.MinWorkingSet)} / {Mib(transfers[^1].Figures.PeakWorkingSet)} |");
            var swing = transfers.Max(t => t.Figures.PeakWorkingSet - t.Figures.MinWorkingSet);
            var verdict = new Verdict()
                .Aim("accept to verified, share of the raw TCP file copy", $">= {AimShareOfFileCopy:0.00}", $"{data / rawFile:0.00}", data / rawFile >= AimShareOfFileCopy)
                .Aim("memory flat: working set max - min within one transfer", $"< {Mib(AimFlatBytes)}", Mib(swing), swing < AimFlatBytes)
                .NoLoss("every transfer completed", failed, $"of {settings.Rounds}")
                .NoLoss("every received file identical to the source (length and SHA-256, checked by the bench)", corrupt);
            verdict.Print(output);
            return verdict.Passed;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static long RawPeak;

    /// <summary>Rates in bytes per second; phases in seconds: hashing before the offer, accept until every byte is written, then the check.</summary>
    private sealed record TransferFigures(double DataRate, double WholeRate, long PeakWorkingSet, long MinWorkingSet, long PeakHeap,
        double OfferSeconds, double WriteSeconds, double VerifySeconds);

    private static async Task<TransferFigures> TransferAsync(string source, string downloads, int window)
    {
        var size = new FileInfo(source).Length;
        await using var receiver = new ChatNode(new NodeOptions
        {
            Name = "receiver", Bind = IPAddress.Loopback, AdvertiseIp = "127.0.0.1", DownloadsDirectory = downloads,
            MaxTransferBytes = long.MaxValue,
        });
        var senderOptions = new NodeOptions { Name = "sender", Bind = IPAddress.Loopback, AdvertiseIp = "127.0.0.1" };
        if (window > 0)
            senderOptions = senderOptions with { FileWindowBytes = window };
        await using var sender = new ChatNode(senderOptions);
        var accepted = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource<NodeEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        long allWritten = 0;
        receiver.EventRaised += e =>
        {
            if (e is TransferOffered o)
                _ = receiver.AcceptTransferAsync(o.Transfer.Id);
            else if (e is TransferProgress p && p.Transfer.Bytes == p.Transfer.Size)
                allWritten = Stopwatch.GetTimestamp();
        };
        sender.EventRaised += e =>
        {
            switch (e)
            {
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

        using var sampler = new Sampler();
        var start = Stopwatch.GetTimestamp();
        var offer = await sender.OfferFileAsync(new PeerKey("127.0.0.1", receiver.Port), source);
        if (!offer.Success)
            throw new InvalidOperationException(offer.Error);
        var outcome = await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var end = Stopwatch.GetTimestamp();
        if (outcome is not TransferCompleted)
            throw new InvalidOperationException($"transfer ended with {outcome}");
        var acceptedAt = await accepted.Task;
        var dataSeconds = Stopwatch.GetElapsedTime(acceptedAt, end).TotalSeconds;
        var wholeSeconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        return new TransferFigures(size / dataSeconds, size / wholeSeconds, sampler.Peak, sampler.Min, sampler.PeakHeap,
            Stopwatch.GetElapsedTime(start, acceptedAt).TotalSeconds, Stopwatch.GetElapsedTime(acceptedAt, allWritten).TotalSeconds,
            Stopwatch.GetElapsedTime(allWritten, end).TotalSeconds);
    }

    /// <summary>Bytes per second for a plain socket: the sender writes a buffer over and over, the receiver discards.</summary>
    private static async Task<double> RawMemoryAsync(long bytes)
    {
        var (client, server) = await ConnectAsync();
        using (client)
        using (server)
        {
            var start = Stopwatch.GetTimestamp();
            var send = Task.Run(async () =>
            {
                var block = new byte[CopyBlock];
                Random.Shared.NextBytes(block);
                for (long sent = 0; sent < bytes; sent += CopyBlock)
                    await client.SendAsync(block.AsMemory(0, (int)Math.Min(CopyBlock, bytes - sent)), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
            });
            var buffer = new byte[CopyBlock];
            long received = 0;
            int read;
            while ((read = await server.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                received += read;
            await send;
            if (received != bytes)
                throw new InvalidOperationException($"raw TCP moved {received} of {bytes} bytes");
            return bytes / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }

    /// <summary>Bytes per second through TLS 1.3 as the nodes set it up (mutual certificates), memory to memory.</summary>
    private static async Task<double> TlsMemoryAsync(long bytes)
    {
        var (client, server) = await ConnectAsync();
        using var a = NodeIdentity.CreateEphemeral();
        using var b = NodeIdentity.CreateEphemeral();
        var serverSide = TlsHandshake.AcceptAsync(new NetworkStream(server, ownsSocket: true), b, TimeSpan.FromSeconds(10), default);
        var (clientStream, _) = await TlsHandshake.ConnectAsync(new NetworkStream(client, ownsSocket: true), a, b.Id, TimeSpan.FromSeconds(10), default);
        var (serverStream, _) = await serverSide;
        await using (clientStream)
        await using (serverStream)
        {
            var start = Stopwatch.GetTimestamp();
            var send = Task.Run(async () =>
            {
                var block = new byte[CopyBlock];
                Random.Shared.NextBytes(block);
                for (long sent = 0; sent < bytes; sent += CopyBlock)
                    await clientStream.WriteAsync(block.AsMemory(0, (int)Math.Min(CopyBlock, bytes - sent)));
                await clientStream.FlushAsync();
            });
            var buffer = new byte[CopyBlock];
            long received = 0;
            while (received < bytes)
                received += await serverStream.ReadAsync(buffer);
            await send;
            return bytes / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }

    /// <summary>The same file through a plain socket into a copy, flushed to disk: a transfer without TLS, framing or hashing.</summary>
    private static async Task<double> RawFileCopyAsync(string source, string copy)
    {
        var (client, server) = await ConnectAsync();
        using var sampler = new Sampler();
        using (client)
        using (server)
        {
            var start = Stopwatch.GetTimestamp();
            var send = Task.Run(async () =>
            {
                using var file = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
                var block = new byte[CopyBlock];
                long offset = 0;
                int read;
                while ((read = RandomAccess.Read(file, block, offset)) > 0)
                {
                    await client.SendAsync(block.AsMemory(0, read), SocketFlags.None);
                    offset += read;
                }
                client.Shutdown(SocketShutdown.Send);
            });
            using (var file = File.OpenHandle(copy, FileMode.CreateNew, FileAccess.Write))
            {
                var buffer = new byte[CopyBlock];
                long offset = 0;
                int read;
                while ((read = await server.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    RandomAccess.Write(file, buffer.AsSpan(0, read), offset);
                    offset += read;
                }
                RandomAccess.FlushToDisk(file);
            }
            await send;
            var rate = new FileInfo(source).Length / Stopwatch.GetElapsedTime(start).TotalSeconds;
            RawPeak = Math.Max(RawPeak, sampler.Peak);
            return rate;
        }
    }

    private static async Task<(Socket Client, Socket Server)> ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptSocketAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accept;
        return (client, server);
    }

    private static byte[] Hash(string path)
    {
        using var file = File.OpenRead(path);
        return System.Security.Cryptography.SHA256.HashData(file);
    }

    private static void WriteRandom(string path, long bytes)
    {
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        var block = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        var random = new Random(42);
        for (long offset = 0; offset < bytes; offset += block.Length)
        {
            random.NextBytes(block);
            RandomAccess.Write(file, block.AsSpan(0, (int)Math.Min(block.Length, bytes - offset)), offset);
        }
        ArrayPool<byte>.Shared.Return(block);
    }

    private static string WriteSmall(string dir)
    {
        var path = Path.Combine(dir, "warmup.bin");
        WriteRandom(path, 8 * 1024 * 1024);
        return path;
    }

    /// <summary>Runs one measurement and the process CPU time it took per GiB moved: a machine shared with other work slows the clock, not this.</summary>
    private static (T Result, double CpuPerGiB) WithCpu<T>(long bytes, Func<T> measure)
    {
        using var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        var result = measure();
        process.Refresh();
        return (result, (process.TotalProcessorTime - before).TotalSeconds / (bytes / (1024.0 * 1024 * 1024)));
    }

    private static string Cpu(IEnumerable<double> secondsPerGiB) => $"{Median(secondsPerGiB):0.00} s";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Rate(double bytesPerSecond) => $"{bytesPerSecond / 1024 / 1024:N0} MiB/s";

    private static string Mib(long bytes) => $"{bytes / 1024.0 / 1024.0:N0} MiB";

    /// <summary>Samples the working set and managed heap every 20 ms until disposed.</summary>
    private sealed class Sampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Sampler()
        {
            Min = long.MaxValue;
            _loop = Task.Run(async () =>
            {
                using var process = Process.GetCurrentProcess();
                while (!_stop.IsCancellationRequested)
                {
                    process.Refresh();
                    var ws = process.WorkingSet64;
                    Peak = Math.Max(Peak, ws);
                    Min = Math.Min(Min, ws);
                    PeakHeap = Math.Max(PeakHeap, GC.GetGCMemoryInfo().HeapSizeBytes);
                    try { await Task.Delay(20, _stop.Token); } catch (OperationCanceledException) { }
                }
            });
        }

        public long Peak { get; private set; }
        public long Min { get; private set; }
        public long PeakHeap { get; private set; }

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait();
        }
    }
}
