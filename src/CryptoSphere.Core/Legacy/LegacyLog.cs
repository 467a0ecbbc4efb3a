using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Legacy;

/// <summary>Log messages of the legacy protocol (event IDs 400-499).</summary>
internal static partial class LegacyLog
{
    [LoggerMessage(400, LogLevel.Information, "Peer {Peer} disconnected")]
    public static partial void Disconnected(ILogger log, Peers.PeerKey peer);

    [LoggerMessage(401, LogLevel.Warning, "Send to {Peer} failed: {Error}")]
    public static partial void SendFailed(ILogger log, Peers.PeerKey peer, string? error);

    [LoggerMessage(402, LogLevel.Information, "Legacy message naming {Peer} leaves the peer table as it is (a secure peer, or this node itself)")]
    public static partial void PeerTableLeftAlone(ILogger log, Peers.PeerKey peer);

    [LoggerMessage(403, LogLevel.Warning, "{Peer} greeted as a CryptoSphere node after it was taken for an old peer: a message went to it in plaintext; later ones go over TLS")]
    public static partial void GreetedLate(ILogger log, Peers.PeerKey peer);

    [LoggerMessage(404, LogLevel.Warning, "A plaintext message from {Peer} came after this node's greeting: most likely a CryptoSphere node that did not wait for it long enough; it is not filed as an old peer, so a reply asks that address again")]
    public static partial void PlaintextFromNode(ILogger log, Peers.PeerKey peer);
}
