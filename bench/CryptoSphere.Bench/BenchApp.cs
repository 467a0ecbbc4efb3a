namespace CryptoSphere.Bench;

/// <summary>Selects the benchmark from the first argument; exit 0 = measured and every check passed,
/// 1 = measured but a check failed (lost messages, failed connects, a dropped silent client), 2 = bad arguments.</summary>
internal static class BenchApp
{
    public const string Usage = """
        usage: CryptoSphere.Bench <command> [options]

        commands:
          legacy-throughput   legacy messages accepted per second, one TCP connection per message
              --senders LIST        concurrent senders, one run per entry (default 1,8)
              --seconds S           length of each measured run (default 5)
              --max-messages N      stop a run early after N connection attempts (default 50000)
              --warmup S            unmeasured warm-up before each run, on its own node (default 1)
              --silent N            hold N silent client connections open during each measured run (default 0)
              --rate R              offer R msgs/s in all on a fixed schedule instead of as fast as possible (default 0 = max)
          silent-latency      per-message latency with and without a silent client holding a connection
              --messages N          sequential messages per variant (default 1000)
              --silent N            silent clients in the second variant (default 1)
              --partial             silent clients send the first bytes of a header, then nothing
              --warmup N            unmeasured messages before each variant (default 200)
              --read-timeout S      the node's per-read timeout; must outlast the run (default 120)
              --rounds R            alternate the two variants over R rounds, a fresh node each (default 4)
          secure              100-byte chat messages over one connection with acks: TLS 1.3 and plain TCP, same framing
              --messages N          messages per throughput round (default 200000)
              --samples N           sequential round trips for latency (default 10000)
              --rounds R            rounds, alternating TLS and plain TCP (default 3)
          store               received messages stored per second (batched commits), then search latency
              --insert N            messages for the insert rate (default 200000)
              --search-size N       messages in the database when searching (default 1000000)
              --queries N           timed searches per query (default 200)
          fanout              broadcast and group send to N in-process nodes, until the last acknowledgement
              --receivers LIST      receiver counts (default 10,100)
              --rounds R            sends per count and kind (default 30)
              --on-disk             every node's database a file on disk (default: in memory)
          idle-connections    a node (the real program) holding many idle secure connections: memory per connection, chat latency
              --connections N       simulated idle peers (default 5000)
              --samples N           chat round trips timed meanwhile (default 200)
              --cli PATH            the program to run (default: the build next to the bench)
          mesh                N nodes find each other by discovery and peer exchange; then a group of all N
              --nodes N             nodes (default 50)
              --discovery-port P    UDP port for this run's discovery (default 45377)
          hostile             a node under a connection flood, slowloris and a frame flood while a peer keeps chatting
              --flood N             connections per flood wave (default 500)
              --slow N              slowloris connections (default 500)
              --seconds S           length of each phase (default 10)
              --product             the target is `cryptosphere listen` in its own process, data dir on disk
              --cli PATH            with --product: the program to run (default: the build next to the bench)
          files               one file over loopback: CryptoSphere transfer vs raw TCP (and TLS) on the same bytes
              --mib N               file size in MiB (default 1024)
              --rounds R            rounds, each running every variant (default 3)
              --window BYTES        the sender's file window (default: the node's, 2 MiB)
          relay               chat round trips and a file, direct TCP vs through a local strelaysrv, in the same run
              --messages N          chat messages one at a time per path and round (default 1000)
              --mib N               file size in MiB (default 128)
              --rounds R            rounds, each running both paths (default 4)
          all                 legacy-throughput then silent-latency, with their defaults

        product path: the real `cryptosphere` program in its own processes, driven from outside, with a reference
        measured in the same run (each takes --cli PATH: the program to run, a .dll run with `dotnet` or an
        executable; default: the cryptosphere.dll built next to this bench; the program as installed, native:
        ./install.sh /tmp/cs, then --cli /tmp/cs/bin/cryptosphere)
          product-legacy      N senders, one connection per message, into `listen --json` vs a minimal accept-and-read server
              --senders N           sender threads (default 8)
              --seconds S           length of each run (default 3)
              --max-messages N      stop a run after N connection attempts (default 30000)
              --rounds R            rounds, each running both targets (default 3)
              --load c|dotnet       senders: the C load generator, compiled with gcc at run time, or threads of the
                                    bench (default c when gcc is on PATH, else dotnet)
              --reference c|dotnet  the minimal server: C (epoll) or the bench's own (default: as --load)
          product-secure      two `listen` processes with their databases, sends written to `listen --commands`,
                              vs raw TLS 1.3 and TCP echo servers
              --messages N          messages in flight per run (default 5000, at most 10000: the outbox cap per peer)
              --samples N           one-at-a-time round trips per run (default 2000)
              --rounds R            rounds (default 3)
              --trusted             sender and receiver trust each other first (a stranger's messages and ACKs are paced)
          product-fanout      group send and broadcast to N `listen` processes, each its database on disk, written to the
                              sender's `listen --commands`, vs one TLS 1.3 record to each of N echo server processes
              --receivers N         members, each its own process (default 100)
              --rounds R            counted rounds, each a group send, a broadcast and the reference (default 20)
              --parallel P          processes started at a time (default 4)
          product-oneshot     `id`, `history` and `send` (to a running node) as whole processes; an idle node's memory
              --runs N              counted runs of each command (default 5)
              --warmup N            runs not counted, first (default 1)

        Results are printed to stdout as Markdown; progress goes to stderr.
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        // Hidden: a product-path benchmark starts this program again as its reference server process.
        if (args[0] == "reference-server" && args.Length == 2 && args[1] is "legacy" or "echo-tls" or "echo-tcp")
            return ReferenceServers.Serve(args[1]) ? 0 : 1;
        try
        {
            var options = BenchArgs.Parse(args.AsSpan(1));
            var ok = args[0] switch
            {
                "legacy-throughput" => Throughput(options),
                "silent-latency" => Latency(options),
                "secure" => Secure(options),
                "store" => Store(options),
                "fanout" => FanOut(options),
                "idle-connections" => Idle(options),
                "mesh" => Mesh(options),
                "hostile" => Hostile(options),
                "files" => Files(options),
                "relay" => Relay(options),
                "product-legacy" => ProductLegacyRun(options),
                "product-secure" => ProductSecureRun(options),
                "product-oneshot" => ProductOneShotRun(options),
                "product-fanout" => ProductFanOutRun(options),
                "all" when options.IsEmpty => RunAll(),
                "all" => throw new ArgumentException("'all' takes no options"),
                _ => throw new ArgumentException($"unknown command '{args[0]}'"),
            };
            return ok ? 0 : 1;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }

    private static bool Secure(BenchArgs a)
    {
        var settings = new SecureThroughput.Settings(a.Int("messages", 200_000, min: 1), a.Int("samples", 10_000, min: 1), a.Int("rounds", 3, min: 1));
        a.RejectUnused();
        return SecureThroughput.Run(settings, Console.Out);
    }

    private static bool Store(BenchArgs a)
    {
        var settings = new StoreBench.Settings(a.Int("insert", 200_000, min: 1), a.Int("search-size", 1_000_000, min: 1), a.Int("queries", 200, min: 1));
        a.RejectUnused();
        return StoreBench.Run(settings, Console.Out);
    }

    private static bool FanOut(BenchArgs a)
    {
        var settings = new FanOutBench.Settings(a.IntList("receivers", [10, 100], min: 1, max: 500), a.Int("rounds", 30, min: 1), a.Flag("on-disk"));
        a.RejectUnused();
        return FanOutBench.Run(settings, Console.Out);
    }

    private static bool Idle(BenchArgs a)
    {
        UseCli(a);
        var settings = new IdleConnections.Settings(a.Int("connections", 5000, min: 1), a.Int("samples", 200, min: 1));
        a.RejectUnused();
        return IdleConnections.Run(settings, Console.Out);
    }

    private static bool Mesh(BenchArgs a)
    {
        var settings = new MeshBench.Settings(a.Int("nodes", 50, min: 2, max: 500), a.Int("discovery-port", 45377, min: 1024, max: 65535));
        a.RejectUnused();
        return MeshBench.Run(settings, Console.Out);
    }

    private static bool Hostile(BenchArgs a)
    {
        UseCli(a);
        var settings = new HostileLoad.Settings(a.Int("flood", 500, min: 1), a.Int("slow", 500, min: 1), a.Double("seconds", 10, min: 1), a.Flag("product"));
        a.RejectUnused();
        return HostileLoad.Run(settings, Console.Out);
    }

    private static bool Files(BenchArgs a)
    {
        var settings = new FileTransferBench.Settings(a.Int("mib", 1024, min: 1) * 1024L * 1024, a.Int("rounds", 3, min: 1),
            a.Int("window", 0, min: 0));
        a.RejectUnused();
        return FileTransferBench.Run(settings, Console.Out);
    }

    private static bool Relay(BenchArgs a)
    {
        var settings = new RelayBench.Settings(a.Int("messages", 1000, min: 1), a.Int("mib", 128, min: 1) * 1024L * 1024, a.Int("rounds", 4, min: 1));
        a.RejectUnused();
        return RelayBench.Run(settings, Console.Out);
    }

    private static void UseCli(BenchArgs a)
    {
        if (a.String("cli") is { } path)
            CliNode.Program = Path.GetFullPath(path);
    }

    private static bool ProductLegacyRun(BenchArgs a)
    {
        UseCli(a);
        var load = NativeChoice(a, "load", NativeLegacy.Compiler is null ? ProductLegacy.Native.Dotnet : ProductLegacy.Native.C);
        var settings = new ProductLegacy.Settings(a.Int("senders", 8, min: 1, max: 1000), a.Double("seconds", 3, min: 0.1),
            a.Int("max-messages", 30_000, min: 1), a.Int("rounds", 3, min: 1), load, NativeChoice(a, "reference", load));
        a.RejectUnused();
        if (settings.Load == ProductLegacy.Native.C || settings.Reference == ProductLegacy.Native.C)
        {
            if (NativeLegacy.Compiler is null)
                throw new ArgumentException("--load c and --reference c need gcc on PATH (apt-get install gcc); or give --load dotnet --reference dotnet");
            if (NativeLegacy.TryBuild() is { } failure)
            {
                Console.Error.WriteLine($"error: {failure}");
                return false;
            }
        }
        return ProductLegacy.Run(settings, Console.Out);
    }

    private static ProductLegacy.Native NativeChoice(BenchArgs a, string name, ProductLegacy.Native fallback) => a.String(name) switch
    {
        null => fallback,
        "c" => ProductLegacy.Native.C,
        "dotnet" => ProductLegacy.Native.Dotnet,
        var other => throw new ArgumentException($"--{name} expects c or dotnet, not '{other}'"),
    };

    private static bool ProductSecureRun(BenchArgs a)
    {
        UseCli(a);
        // At most 10,000: the sender's outbox holds that many per peer (MaxOutboxPerPeer); a larger burst would be
        // refused at the command line and the run would measure refusals and a 120 s wait, not delivery.
        var settings = new ProductSecure.Settings(a.Int("messages", 5_000, min: 1, max: 10_000), a.Int("samples", 2_000, min: 1), a.Int("rounds", 3, min: 1),
            a.Flag("trusted"));
        a.RejectUnused();
        return ProductSecure.Run(settings, Console.Out);
    }

    private static bool ProductFanOutRun(BenchArgs a)
    {
        UseCli(a);
        var settings = new ProductFanOut.Settings(a.Int("receivers", 100, min: 1, max: 500), a.Int("rounds", 20, min: 1), a.Int("parallel", 4, min: 1, max: 64));
        a.RejectUnused();
        return ProductFanOut.Run(settings, Console.Out);
    }

    private static bool ProductOneShotRun(BenchArgs a)
    {
        UseCli(a);
        var settings = new ProductOneShot.Settings(a.Int("runs", 5, min: 1), a.Int("warmup", 1, min: 0));
        a.RejectUnused();
        return ProductOneShot.Run(settings, Console.Out);
    }

    private static bool RunAll()
    {
        var ok = Throughput(BenchArgs.Parse([]));
        Console.WriteLine();
        return Latency(BenchArgs.Parse([])) && ok;
    }

    private static bool Throughput(BenchArgs a)
    {
        var settings = new LegacyThroughput.Settings(
            Senders: a.IntList("senders", [1, 8], min: 1, max: 1000),
            Seconds: a.Double("seconds", 5, min: 0.1),
            MaxMessages: a.Int("max-messages", 50_000, min: 1),
            WarmupSeconds: a.Double("warmup", 1, min: 0),
            Silent: a.Int("silent", 0, min: 0, max: 10_000),
            Rate: a.Double("rate", 0, min: 0));
        a.RejectUnused();
        return LegacyThroughput.Run(settings, Console.Out);
    }

    private static bool Latency(BenchArgs a)
    {
        var settings = new SilentLatency.Settings(
            Messages: a.Int("messages", 1000, min: 1),
            SilentClients: a.Int("silent", 1, min: 1, max: 10_000),
            Partial: a.Flag("partial"),
            Warmup: a.Int("warmup", 200, min: 0),
            ReadTimeout: TimeSpan.FromSeconds(a.Double("read-timeout", 120, min: 1)),
            Rounds: a.Int("rounds", 4, min: 1, max: 1000));
        if (settings.Rounds > settings.Messages)
            throw new ArgumentException("--rounds cannot exceed --messages");
        a.RejectUnused();
        return SilentLatency.Run(settings, Console.Out);
    }
}
