using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Messaging;

/// <summary>Log messages of chat and the outbox (event IDs 300-399).</summary>
internal static partial class MessagingLog
{
    [LoggerMessage(300, LogLevel.Error, "Outbox delivery failed: {Error}")]
    public static partial void OutboxFailed(ILogger log, string error);

    [LoggerMessage(301, LogLevel.Warning, "Message {Id} to {Address} failed: {Reason}")]
    public static partial void GaveUp(ILogger log, Guid id, string address, string reason);

    [LoggerMessage(302, LogLevel.Warning, "Send to {Peer} failed: {Error}")]
    public static partial void SendFailed(ILogger log, Peers.PeerKey peer, string error);

    [LoggerMessage(303, LogLevel.Information, "Message {Id} to {PeerId} queued: {Reason}")]
    public static partial void Queued(ILogger log, Guid id, string peerId, string reason);

    [LoggerMessage(304, LogLevel.Information, "Contact request from {PeerId}")]
    public static partial void ContactRequest(ILogger log, string peerId);

    [LoggerMessage(305, LogLevel.Information, "Wrote {Count} messages to {PeerId} again: not acknowledged within {Seconds} s on this session")]
    public static partial void Resent(ILogger log, int count, string peerId, double seconds);
}
