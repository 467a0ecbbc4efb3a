using System.Net;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Legacy;

/// <summary>
/// Where a legacy message is filed, and whether it may change the peer table. Headers are claims
/// anyone can forge, so a legacy message never changes what the node knows about a secure peer,
/// and a header naming this node itself is never a peer.
/// </summary>
internal readonly record struct LegacyOrigin(PeerKey Key, bool UpdatesPeerTable)
{
    /// <summary>
    /// The original's options 5 and 6 write the <em>recipient's</em> port into the header (its bug), so
    /// a message from it can name our own port. When the port is ours and no peer is known under
    /// that address, the one legacy peer known at the sender's IP is meant; when the address is this
    /// node's own, it is never filed as a peer.
    /// </summary>
    public static LegacyOrigin Resolve(IPAddress remote, int? headerPort, int sourcePort, int ownPort,
        Func<IPAddress, bool> isThisHost, PeerTable peers)
    {
        var host = PeerKey.HostOf(remote);
        var key = new PeerKey(host, headerPort ?? sourcePort);
        if (key.Port == ownPort && peers.Find(key) is null)
        {
            var atHost = peers.Snapshot().Where(p => p.Key.Host == host && p.Key.Port != ownPort).ToList();
            if (atHost is [{ Protocol: PeerProtocol.Legacy } only])
                return new LegacyOrigin(only.Key, true);
            if (isThisHost(remote))
                return new LegacyOrigin(key, false);
        }
        return new LegacyOrigin(key, peers.Find(key) is not { Protocol: PeerProtocol.Secure });
    }

    /// <summary>Loopback, or an address of one of this host's interfaces.</summary>
    public static bool IsThisHost(IPAddress address)
    {
        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (IPAddress.IsLoopback(ip))
            return true;
        try
        {
            return System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Any(u => u.Address.Equals(ip));
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            return false;
        }
    }
}
