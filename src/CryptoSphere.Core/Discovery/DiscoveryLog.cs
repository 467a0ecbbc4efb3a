using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Discovery;

/// <summary>Log messages of discovery dialing and peer exchange (event IDs 700-799; LanDiscovery logs its own).</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(700, LogLevel.Debug, "Candidate {PeerId} at {Address} ({Source}) not reached: {Error}")]
    public static partial void CandidateNotReached(ILogger log, string peerId, Peers.PeerKey address, Peers.PeerSource source, string? error);

    [LoggerMessage(701, LogLevel.Debug, "Ignored an unsolicited peer list from {PeerId}")]
    public static partial void UnsolicitedList(ILogger log, string peerId);

    [LoggerMessage(702, LogLevel.Debug, "{PeerId} knows {Count} peers")]
    public static partial void ListReceived(ILogger log, string peerId, int count);
}
