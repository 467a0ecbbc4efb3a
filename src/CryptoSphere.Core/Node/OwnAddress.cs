using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Node;

/// <summary>
/// Whether an address names the node itself. A message queued there made the node dial itself every retry, for
/// ever, so senders refuse it. Only what is certain counts: the node's port at the address it is bound to, or, bound
/// to every address, at this host's own (loopback included), or at the address it advertises. Host names other than
/// localhost are not looked up: a name that happens to point here is not refused.
/// </summary>
public static class OwnAddress
{
    public static bool Matches(PeerKey to, IPAddress bind, int port, string? advertisedIp)
    {
        if (to.Host is null || port == 0 || to.Port != port)
            return false;
        if (advertisedIp is not null && string.Equals(to.Host, advertisedIp, StringComparison.OrdinalIgnoreCase))
            return true;
        var ip = string.Equals(to.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            ? bind.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback
            : IPAddress.TryParse(to.Host, out var parsed) ? parsed : null;
        if (ip is null)
            return false;
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        if (!bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any))
            return ip.Equals(bind);
        // Bound to every address of one family: the other family's addresses reach another socket, if any.
        return ip.AddressFamily == bind.AddressFamily && (ip.Equals(bind) || IPAddress.IsLoopback(ip) || IsThisHosts(ip));
    }

    private static bool IsThisHosts(IPAddress ip)
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Any(u => u.Address.Equals(ip));
        }
        catch (NetworkInformationException)
        {
            return false;
        }
    }
}
