using System.Net.Sockets;

namespace CryptoSphere.Core.Sessions;

internal static class SocketErrors
{
    /// <summary>What a failed connect means, in words a user can act on.</summary>
    public static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (is the peer running?)",
        SocketError.HostNotFound or SocketError.NoData => "unknown host",
        SocketError.TimedOut => "timed out",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
        _ => e.Message,
    };
}
