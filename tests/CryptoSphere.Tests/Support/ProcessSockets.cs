using System.Globalization;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// The TCP connections this test process holds a descriptor for (Linux: /proc/self/fd and /proc/net/tcp, tcp6). A
/// socket a node closed is not among them, even while the kernel still sends what was queued on it: that shows a
/// stopped node's socket closed without the peer having to read anything.
/// </summary>
public static class ProcessSockets
{
    public static bool IsSupported => Directory.Exists("/proc/self/fd") && File.Exists("/proc/net/tcp");

    /// <summary>This process's connections whose local port is <paramref name="localPort"/>, as "local-remote state".</summary>
    public static IReadOnlyList<string> WithLocalPort(int localPort) =>
        Open().Where(c => c.Local == localPort).Select(c => c.Describe()).ToList();

    /// <summary>True while this process holds the connection from <paramref name="localPort"/> to <paramref name="remotePort"/>.</summary>
    public static bool Holds(int localPort, int remotePort) => Open().Any(c => c.Local == localPort && c.Remote == remotePort);

    /// <summary>True while this process holds a connection to remote port <paramref name="remotePort"/> (a dialler's end).</summary>
    public static bool HoldsTo(int remotePort) => Open().Any(c => c.Remote == remotePort);

    private static List<Connection> Open()
    {
        var inodes = OwnSocketInodes();
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .Where(File.Exists)
            .SelectMany(path => File.ReadLines(path).Skip(1))
            .Select(Parse)
            .Where(c => c is not null && inodes.Contains(c.Value.Inode))
            .Select(c => c!.Value)
            .ToList();
    }

    private static HashSet<string> OwnSocketInodes()
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                // "socket:[12345]"; a descriptor closed since the listing has no target.
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    inodes.Add(target["socket:[".Length..^1]);
            }
            catch (IOException)
            {
            }
        }
        return inodes;
    }

    // "  0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 12345 ..."
    private static Connection? Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10)
            return null;
        return new Connection(PortOf(fields[1]), PortOf(fields[2]), fields[3], fields[9]);
    }

    private static int PortOf(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private readonly record struct Connection(int Local, int Remote, string State, string Inode)
    {
        // The kernel's state codes: 01 established, 08 close-wait, 0A listen ...
        public string Describe() => $"{Local}-{Remote} state {State}";
    }
}
