using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace CryptoSphere.Core.Node;

/// <summary>Finds the LAN address to advertise, as the seed does, without sending a packet.</summary>
public static class LocalAddress
{
    /// <summary>
    /// The address a node listening on <paramref name="bind"/> is reached on: that address when it is one IPv4 address
    /// (a node bound to 127.0.0.1 must not tell peers its LAN address, where nothing listens), else the detected one.
    /// </summary>
    public static string For(IPAddress bind) =>
        bind.AddressFamily == AddressFamily.InterNetwork && !bind.Equals(IPAddress.Any) ? bind.ToString() : Detect();

    public static string Detect()
    {
        return FromUdpRoute() ?? FromInterfaces() ?? IPAddress.Loopback.ToString();
    }

    // A UDP "connect" only picks a route and a local address; nothing leaves the host.
    private static string? FromUdpRoute()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(new IPEndPoint(IPAddress.Parse("8.8.8.8"), 80));
            return socket.LocalEndPoint is IPEndPoint { Address: var a } && !a.Equals(IPAddress.Any) ? a.ToString() : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static string? FromInterfaces()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                ?.ToString();
        }
        catch (NetworkInformationException)
        {
            return null;
        }
    }
}
