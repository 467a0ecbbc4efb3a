using CryptoSphere.Core.Peers;

namespace CryptoSphere.Cli.Rendering;

internal static class PeerLabels
{
    public static string Protocol(Peer peer) =>
        peer.Protocol == PeerProtocol.Legacy ? "legacy (unencrypted, unverified)" : "secure";
}
