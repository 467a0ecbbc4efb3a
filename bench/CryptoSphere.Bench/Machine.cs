using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace CryptoSphere.Bench;

/// <summary>Facts about the machine and the run, printed above every result table.</summary>
internal static class Machine
{
    public static void WriteFacts(TextWriter o)
    {
        o.WriteLine($"- Date: {DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}");
        o.WriteLine($"- Processors (Environment.ProcessorCount): {Environment.ProcessorCount}");
        if (CpuModel() is { } cpu)
            o.WriteLine($"- CPU: {cpu}");
        o.WriteLine($"- OS: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
        o.WriteLine($"- .NET: {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC"
                    + $", {(IsReleaseBuild() ? "Release" : "DEBUG")} build");
        if (OperatingSystem.IsLinux())
        {
            var ports = ReadFirstLine("/proc/sys/net/ipv4/ip_local_port_range")?.Replace('\t', '-');
            var twReuse = ReadFirstLine("/proc/sys/net/ipv4/tcp_tw_reuse");
            var somaxconn = ReadFirstLine("/proc/sys/net/core/somaxconn");
            o.WriteLine($"- TCP: ephemeral ports {ports}, tcp_tw_reuse={twReuse}, somaxconn={somaxconn}, open-files limit {OpenFilesLimit() ?? "?"}");
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages (/proc/loadavg): how busy the shared machine was.</summary>
    public static string LoadAverage() =>
        ReadFirstLine("/proc/loadavg") is { } line ? string.Join(", ", line.Split(' ').Take(3)) : "?";

    /// <summary>CPU seconds (user + system) a process has used so far, from /proc/PID/stat (clock ticks of 1/100 s).</summary>
    public static double CpuSeconds(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static bool IsReleaseBuild()
    {
#if DEBUG
        return false;
#else
        return true;
#endif
    }

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim();
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string? OpenFilesLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: >= 5 } ? $"{parts[3]} soft / {parts[4]} hard" : null;
        }
        catch (IOException) { return null; }
    }

    private static string? ReadFirstLine(string path)
    {
        try { return File.ReadLines(path).FirstOrDefault()?.Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Sockets in TIME_WAIT to or from <paramref name="port"/> on 127.0.0.1 (Linux; null elsewhere).</summary>
    public static int? TimeWaitSockets(int port)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
            var count = 0;
            foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 3 && f[3] == "06" && (f[1].EndsWith(":" + hexPort, StringComparison.Ordinal) || f[2].EndsWith(":" + hexPort, StringComparison.Ordinal)))
                    count++;
            }
            return count;
        }
        catch (IOException) { return null; }
    }
}

/// <summary>Process CPU time and GC counts between two points.</summary>
internal readonly struct ProcessProbe
{
    private readonly TimeSpan _cpu;
    private readonly int _gen0, _gen1, _gen2;
    private readonly long _start;

    private ProcessProbe(TimeSpan cpu, int gen0, int gen1, int gen2, long start) =>
        (_cpu, _gen0, _gen1, _gen2, _start) = (cpu, gen0, gen1, gen2, start);

    public static ProcessProbe Start() =>
        new(Process.GetCurrentProcess().TotalProcessorTime, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), Stopwatch.GetTimestamp());

    /// <summary>Share of all the machine's processors used by this process since <see cref="Start"/>.</summary>
    public double CpuShare()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpu;
        var wall = Stopwatch.GetElapsedTime(_start);
        return cpu.TotalSeconds / (wall.TotalSeconds * Environment.ProcessorCount);
    }

    public string GcCounts() =>
        $"{GC.CollectionCount(0) - _gen0}/{GC.CollectionCount(1) - _gen1}/{GC.CollectionCount(2) - _gen2}";
}

internal static class Fmt
{
    public static string N(double value, int decimals = 0) => value.ToString("N" + decimals, CultureInfo.InvariantCulture);

    public static string Ms(double seconds) => (seconds * 1000).ToString("0.000", CultureInfo.InvariantCulture);

    public static string Pct(double share) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + " %";
}

/// <summary>
/// The kernel's system-wide TCP counters (Linux, /proc/net/netstat and /proc/net/snmp), read before and after a run:
/// a full accept queue (ListenOverflows) or a SYN that had to be sent again (TCPSynRetrans) makes a connect take >= 1 s.
/// </summary>
internal sealed class TcpCounters
{
    private static readonly string[] Names = ["ListenOverflows", "ListenDrops", "TCPSynRetrans", "AttemptFails"];
    private readonly Dictionary<string, long> _values;

    private TcpCounters(Dictionary<string, long> values) => _values = values;

    public static TcpCounters Read()
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        if (OperatingSystem.IsLinux())
        {
            ReadTable("/proc/net/netstat", "TcpExt:", values);
            ReadTable("/proc/net/snmp", "Tcp:", values);
        }
        return new TcpCounters(values);
    }

    public bool Available => Names.All(_values.ContainsKey);

    /// <summary>"name +delta" for every counter that moved since <paramref name="before"/>; "none" when none did.</summary>
    public string Since(TcpCounters before)
    {
        if (!Available || !before.Available)
            return "n/a";
        var moved = Names.Select(n => (Name: n, Delta: _values[n] - before._values[n])).Where(x => x.Delta != 0)
            .Select(x => $"{x.Name} +{x.Delta}").ToList();
        return moved.Count == 0 ? "none" : string.Join(", ", moved);
    }

    private static void ReadTable(string path, string prefix, Dictionary<string, long> into)
    {
        try
        {
            var lines = File.ReadAllLines(path).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (lines.Count < 2)
                return;
            var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var numbers = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 1; i < Math.Min(names.Length, numbers.Length); i++)
                if (long.TryParse(numbers[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                    into[names[i]] = v;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

internal static class Stats
{
    /// <summary>Nearest-rank percentile of a sorted array; NaN when empty.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
