using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Files;

/// <summary>Log messages of file transfer (event IDs 600-699).</summary>
internal static partial class FilesLog
{
    [LoggerMessage(600, LogLevel.Warning, "Dropped a frame from {PeerId}: {Reason}")]
    public static partial void FrameDropped(ILogger log, string peerId, string reason);

    [LoggerMessage(601, LogLevel.Error, "Cannot save transfer {Id}: {Error}")]
    public static partial void NotSaved(ILogger log, Guid id, string error);

    [LoggerMessage(602, LogLevel.Warning, "Cannot save the progress of transfer {Id}: {Error}")]
    public static partial void ProgressNotSaved(ILogger log, Guid id, string error);

    [LoggerMessage(610, LogLevel.Information, "Offer of {Name} from {PeerId} {Reason}")]
    public static partial void OfferRefused(ILogger log, string name, string peerId, string reason);

    [LoggerMessage(611, LogLevel.Information, "{PeerId} offers {Name} ({Size} bytes) as transfer {Id}")]
    public static partial void Offered(ILogger log, string peerId, string name, long size, Guid id);

    [LoggerMessage(612, LogLevel.Information, "Transfer {Id} of {Name} accepted")]
    public static partial void Accepted(ILogger log, Guid id, string name);

    [LoggerMessage(613, LogLevel.Information, "Transfer {Id} from {PeerId} verified and saved as {Path}")]
    public static partial void Received(ILogger log, Guid id, string peerId, string path);

    [LoggerMessage(614, LogLevel.Warning, "Transfer {Id} of {Name} from {PeerId} {State}: {Reason}")]
    public static partial void IncomingEnded(ILogger log, Guid id, string name, string peerId, TransferState state, string? reason);

    [LoggerMessage(620, LogLevel.Warning, "Offer to {Peer} refused: {Error}")]
    public static partial void CannotReceive(ILogger log, Peers.PeerKey peer, string error);

    [LoggerMessage(633, LogLevel.Information, "{Peer} greeted as a CryptoSphere node after the greeting wait (a busy node): the offer goes over TLS")]
    public static partial void GreetedLate(ILogger log, Peers.PeerKey peer);

    [LoggerMessage(621, LogLevel.Information, "Offering {Name} ({Size} bytes) to {PeerId} as transfer {Id}")]
    public static partial void Offering(ILogger log, string name, long size, string peerId, Guid id);

    [LoggerMessage(622, LogLevel.Information, "Resuming transfer {Id} of {Name} to {PeerId}")]
    public static partial void Resuming(ILogger log, Guid id, string name, string peerId);

    [LoggerMessage(623, LogLevel.Information, "Transfer {Id} accepted by {PeerId}, sending from byte {Offset}")]
    public static partial void Sending(ILogger log, Guid id, string peerId, long offset);

    [LoggerMessage(624, LogLevel.Debug, "Transfer {Id}: every byte sent, waiting for the receiver's check")]
    public static partial void AllSent(ILogger log, Guid id);

    [LoggerMessage(625, LogLevel.Information, "Transfer {Id} of {Name} to {PeerId} completed and verified")]
    public static partial void Sent(ILogger log, Guid id, string name, string peerId);

    [LoggerMessage(626, LogLevel.Warning, "Transfer {Id} of {Name} to {PeerId} {State}: {Reason}")]
    public static partial void OutgoingEnded(ILogger log, Guid id, string name, string peerId, TransferState state, string? reason);

    [LoggerMessage(627, LogLevel.Debug, "Transfer {Id}: {What} from {PeerId} came on a connection replaced by a newer one; ignored there")]
    public static partial void Superseded(ILogger log, Guid id, string what, string peerId);

    [LoggerMessage(630, LogLevel.Error, "Cannot load unfinished transfers: {Error}")]
    public static partial void NotLoaded(ILogger log, string error);

    [LoggerMessage(631, LogLevel.Information, "{Count} unfinished transfer(s) will resume when their peers are back")]
    public static partial void WillResume(ILogger log, int count);

    [LoggerMessage(632, LogLevel.Debug, "Peer {PeerId} not reachable for transfers yet: {Error}")]
    public static partial void NotReachable(ILogger log, string peerId, string? error);
}
