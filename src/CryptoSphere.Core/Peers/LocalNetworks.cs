using System.Net;
using System.Net.NetworkInformation;

namespace CryptoSphere.Core.Peers;

/// <summary>
/// Tells a peer on one of this machine's own subnets (LAN) from one reached across networks (direct) or through a
/// relay. The subnets are read from the interfaces each time: they change when a laptop moves.
/// </summary>
public static class LocalNetworks
{
    /// <summary>Relayed peers are filed under a key of their own (<c>relay~ID</c>), since the relay's IP is shared.</summary>
    public static PeerReach ReachOf(PeerKey key)
    {
        if (Sessions.RelayReach.IsRelayedKey(key))
            return PeerReach.Relayed;
        return IPAddress.TryParse(key.Host, out var ip) && IsLocal(ip) ? PeerReach.Lan : PeerReach.Direct;
    }

    public static bool IsLocal(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        if (IPAddress.IsLoopback(ip) || ip.IsIPv6LinkLocal)
            return true;
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Any(a => a.Address.AddressFamily == ip.AddressFamily && SameSubnet(a.Address, ip, a.PrefixLength));
        }
        catch (NetworkInformationException)
        {
            return false;
        }
    }

    private static bool SameSubnet(IPAddress ours, IPAddress theirs, int prefixLength)
    {
        var a = ours.GetAddressBytes();
        var b = theirs.GetAddressBytes();
        var bits = Math.Clamp(prefixLength, 0, a.Length * 8);
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (b[i] & mask))
                return false;
        }
        return true;
    }

    /// <summary>For the user: "LAN", "direct", "relayed".</summary>
    public static string Label(PeerReach reach) => reach switch
    {
        PeerReach.Lan => "LAN",
        PeerReach.Relayed => "relayed",
        _ => "direct",
    };
}
