using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// Loopback ports below the kernel's ephemeral range, for a node that must come back where its peers remember it,
/// and for an address where nothing must listen.
/// </summary>
/// <remarks>
/// A port a test got by binding port 0 comes from the ephemeral range. Once the node on it stops, the kernel may give
/// that port to any other socket on the machine (another test's port-0 listener, any outgoing connection's local end)
/// before the node restarts, and the restart fails with "already in use" (CI saw it, in a mailbox test). Below the
/// ephemeral range the kernel hands out nothing by itself: only a program asking for the number binds there. Each
/// process walks the range from its own random start, so two test processes at once rarely meet, and a port is
/// checked free before it is given.
/// </remarks>
public static class ReservedPorts
{
    private static readonly (int Low, int Count) Range = BelowEphemeral();
    private static int _next = Random.Shared.Next(Range.Count);

    public static int Take()
    {
        for (var tries = 0; tries < 1_000; tries++)
        {
            var port = Range.Low + (int)((uint)Interlocked.Increment(ref _next) % (uint)Range.Count);
            if (IsFree(port))
                return port;
        }
        throw new InvalidOperationException($"no free loopback port in {Range.Low}-{Range.Low + Range.Count - 1}");
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux says where its ephemeral ports start; elsewhere assume the IANA range (49152 up).
    private static (int Low, int Count) BelowEphemeral()
    {
        var ephemeralLow = 49152;
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            ephemeralLow = int.Parse(text[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }
        var low = Math.Max(10_000, ephemeralLow / 2);
        return ephemeralLow - low >= 1_000 ? (low, ephemeralLow - low) : (20_000, 10_000);
    }
}
