using System.Diagnostics;
using System.Globalization;

namespace CryptoSphere.Bench;

/// <summary>
/// One-shot commands as whole processes, timed from outside by <c>/usr/bin/time</c> (wall, user and system CPU,
/// peak resident memory): <c>id</c>, <c>history</c>, and <c>send</c> of one message to a running
/// <c>cryptosphere listen</c> node, which must acknowledge it. Also the running node's resident memory when idle,
/// beside an idle minimal server process (this bench's reference legacy server) measured the same way.
/// </summary>
internal static class ProductOneShot
{
    public sealed record Settings(int Runs, int Warmup);

    // Issue 14's aims: send under 300 ms wall and 200 ms CPU; an idle node under 60 MiB RSS.
    private const double AimSendWall = 0.300;
    private const double AimSendCpu = 0.200;
    private const double AimIdleMiB = 60;

    private sealed record Timing(double Wall, double Cpu, double PeakMiB, int ExitCode, string Output);

    public static bool Run(Settings settings, TextWriter output)
    {
        var root = Directory.CreateTempSubdirectory("cryptosphere-product-oneshot-").FullName;
        try
        {
            using var node = CliNode.Listen("running-node", Path.Combine(root, "node"));
            using var reference = new ReferenceServers.ServerProcess("legacy");
            Thread.Sleep(TimeSpan.FromSeconds(3)); // both settle: JIT and start-up allocations done, nothing to do
            var (nodeRss, _) = node.MemoryKiB();
            var referenceRss = RssKiB(reference.Pid);

            var client = Path.Combine(root, "client");
            string[] send = ["send", "--data-dir", client, "--to", $"127.0.0.1:{node.Port}", "--name", "one-shot", "--from-port", "4999",
                "--advertise-ip", "127.0.0.1", "one message"];
            var commands = new (string Label, string[] Args)[]
            {
                ("id", ["id", "--data-dir", client]),
                ("history", ["history", "--data-dir", client]),
                ("send (to the running node, acknowledged)", send),
            };
            // The client's data directory (identity, database) is created once, as a user's already exists.
            TimeOnce(send);
            var results = new Dictionary<string, List<Timing>>();
            foreach (var (label, _) in commands)
                results[label] = [];
            for (var run = -settings.Warmup; run < settings.Runs; run++)
            {
                // Interleaved, so drift in the machine's load weighs on every command alike.
                foreach (var (label, args) in commands)
                {
                    var t = TimeOnce(args);
                    if (run >= 0)
                        results[label].Add(t);
                }
            }

            Machine.WriteFacts(output);
            output.WriteLine($"- Load average at the end (1, 5, 15 min): {Machine.LoadAverage()}");
            output.WriteLine($"- Program: {CliNode.Program}; {settings.Runs} counted runs of each command after {settings.Warmup} warm-up, interleaved; "
                             + "figures from /usr/bin/time for the whole process");
            output.WriteLine();
            output.WriteLine("| command | wall s (median; min-max) | CPU s user+sys (median) | peak RSS MiB (median) | exit codes |");
            output.WriteLine("|---|---:|---:|---:|---|");
            foreach (var (label, _) in commands)
            {
                var ts = results[label];
                output.WriteLine($"| {label} | {Med(ts, t => t.Wall):0.000} ({ts.Min(t => t.Wall):0.000}-{ts.Max(t => t.Wall):0.000}) | {Med(ts, t => t.Cpu):0.000} | "
                                 + $"{Med(ts, t => t.PeakMiB):0.0} | {string.Join(",", ts.Select(t => t.ExitCode).Distinct())} |");
            }
            output.WriteLine();
            output.WriteLine("| idle process, 3 s after start | resident memory (VmRSS) |");
            output.WriteLine("|---|---:|");
            output.WriteLine($"| cryptosphere listen (data directory on disk, no peers) | {nodeRss / 1024.0:0.0} MiB |");
            output.WriteLine($"| minimal .NET server (reference: accept loop, nothing else) | {referenceRss / 1024.0:0.0} MiB |");

            var sends = results[commands[2].Label];
            var sendWall = Med(sends, t => t.Wall);
            var sendCpu = Med(sends, t => t.Cpu);
            var verdict = new Verdict()
                .Aim("send one message to a running node: wall (median)", $"< {AimSendWall * 1000:0} ms", $"{sendWall * 1000:0} ms", sendWall < AimSendWall)
                .Aim("send one message to a running node: CPU (median)", $"< {AimSendCpu * 1000:0} ms", $"{sendCpu * 1000:0} ms", sendCpu < AimSendCpu)
                .Aim("idle node resident memory", $"< {AimIdleMiB:0} MiB", $"{nodeRss / 1024.0:0.0} MiB", nodeRss / 1024.0 < AimIdleMiB)
                .NoLoss("every command exited 0", results.Values.Sum(ts => ts.Count(t => t.ExitCode != 0)))
                // A send that timed out its TLS handshake falls back to the legacy protocol and still exits 0.
                .NoLoss("every send delivered over TLS and acknowledged (\"Delivered to\")", sends.Count(t => !t.Output.Contains("Delivered to", StringComparison.Ordinal)));
            verdict.Print(output);
            node.Stop(TimeSpan.FromSeconds(30));
            return verdict.Passed;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static double Med(List<Timing> ts, Func<Timing, double> f) => ProductLegacy.Median(ts.Select(f));

    /// <summary>Runs the program once under /usr/bin/time; its own output is read and dropped.</summary>
    private static Timing TimeOnce(string[] args)
    {
        var program = CliNode.StartInfo(args);
        var info = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-f", "TIME %e %U %S %M", program.FileName }.Concat(program.ArgumentList))
            info.ArgumentList.Add(a);
        foreach (var (k, v) in program.Environment)
            info.Environment[k] = v;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var line = stderr.Split('\n').LastOrDefault(l => l.StartsWith("TIME ", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"/usr/bin/time printed no figures: {stderr}");
        var f = line.Split(' ');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        return new Timing(D(1), D(2) + D(3), D(4) / 1024, process.ExitCode, stdout.Result);
    }

    private static long RssKiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
