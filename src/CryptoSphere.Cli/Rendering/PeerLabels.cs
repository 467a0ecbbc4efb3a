using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Rendering;

internal static class PeerLabels
{
    public static string Source(Peer peer) => peer.Source switch
    {
        PeerSource.Announced => "announced",
        PeerSource.Exchanged => "exchanged",
        PeerSource.Manual => "manual",
        _ => "incoming",
    };

    /// <summary>How the peer is reached: LAN, direct (another network) or relayed.</summary>
    public static string Reach(Peer peer) => LocalNetworks.Label(LocalNetworks.ReachOf(peer.Key));

    public static string Protocol(Peer peer, TrustStore? trust = null) =>
        peer.Protocol == PeerProtocol.Legacy ? "legacy (unencrypted, unverified)" : $"secure ({EventText.Security(peer.Id, trust)})";

    /// <summary>Said when a long text went to an old peer as several messages, so the user is not surprised by the split.</summary>
    public static string PartsNote(int parts) =>
        parts > 1 ? $"; cut into {parts} messages, as the original reads at most 1,024 bytes per message" : "";
}
