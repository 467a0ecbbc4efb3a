using System.Diagnostics;
using System.Globalization;

namespace CryptoSphere.Bench;

/// <summary>
/// TCP connections in TIME_WAIT on this machine (<c>/proc/net/sockstat</c> and <c>sockstat6</c>). A legacy run opens
/// 30,000 connections, and the side that closes first (the senders) keeps each in TIME_WAIT for 60 s: 87,410 were
/// left after one <c>product-legacy</c>. With the 28,232-port ephemeral range that crowded, the senders' connects
/// cost about three times as much CPU (2.8-3.5 s per 30,000 messages against 0.9-1.0), and on 2 cores that slowed
/// whichever target was measured. Each run therefore starts once the previous ones have drained.
/// </summary>
internal static class TimeWaitSockets
{
    /// <summary>The "tw" count of a sockstat file's TCP line; 0 when there is none.</summary>
    public static int Parse(string sockstat)
    {
        foreach (var line in sockstat.Split('\n'))
        {
            if (!line.StartsWith("TCP", StringComparison.Ordinal))
                continue;
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var at = Array.IndexOf(words, "tw");
            if (at > 0 && at + 1 < words.Length && int.TryParse(words[at + 1], CultureInfo.InvariantCulture, out var count))
                return count;
        }
        return 0;
    }

    /// <summary>TIME_WAIT sockets now, IPv4 and IPv6; null where /proc is not there.</summary>
    public static int? Count()
    {
        try
        {
            return Parse(File.ReadAllText("/proc/net/sockstat"))
                   + (File.Exists("/proc/net/sockstat6") ? Parse(File.ReadAllText("/proc/net/sockstat6")) : 0);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Waits (at most <paramref name="limit"/>) until fewer than <paramref name="threshold"/> remain; the count it started at.</summary>
    public static int? WaitBelow(int threshold, TimeSpan limit)
    {
        var first = Count();
        if (first is not { } count || count < threshold)
            return first;
        Console.Error.WriteLine($"  waiting for {count:N0} TCP connections in TIME_WAIT to drain below {threshold:N0} (at most {limit.TotalSeconds:0} s)...");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit && Count() >= threshold)
            Thread.Sleep(500); // polling the kernel's count: there is no event to wait for
        return first;
    }
}
