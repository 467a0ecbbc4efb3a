using System.Net;
using System.Net.Sockets;

namespace CryptoSphere.Core.Node;

/// <summary>Binds the listening socket, moving to the next port when the asked one is taken.</summary>
internal static class PortBinder
{
    public static Socket Bind(IPAddress address, int port, bool strict, int maxTries, int backlog)
    {
        var tries = strict || port == 0 ? 1 : Math.Max(1, maxTries);
        SocketException? last = null;
        for (var i = 0; i < tries && port + i <= 65535; i++)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                EnableReuseAddress(socket);
                socket.Bind(new IPEndPoint(address, port + i));
                socket.Listen(backlog);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw new PortUnavailableException(strict
            ? $"port {port} on {address} is already in use (--strict-port: not trying another)"
            : $"no free port in {port}-{Math.Min(65535, port + tries - 1)} on {address}", last);
    }

    // .NET's ReuseAddress also sets SO_REUSEPORT on Linux, which would let two nodes share a port.
    // Plain SO_REUSEADDR only lets us rebind over TIME_WAIT after a restart.
    private static void EnableReuseAddress(Socket socket)
    {
        if (OperatingSystem.IsLinux())
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            socket.SetRawSocketOption(0xffff, 0x0004, BitConverter.GetBytes(1));
        else
            socket.ExclusiveAddressUse = true;
    }
}
