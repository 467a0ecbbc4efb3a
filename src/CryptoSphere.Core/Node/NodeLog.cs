using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

/// <summary>Log messages of the node itself (event IDs 100-199): start, stop, the peer table, the event bus.</summary>
internal static partial class NodeLog
{
    [LoggerMessage(100, LogLevel.Information, "Listening on {Bind}:{Port}, advertising {Ip}")]
    public static partial void Listening(ILogger log, System.Net.IPAddress bind, int port, string ip);

    [LoggerMessage(101, LogLevel.Warning, "Port {Requested} is in use; listening on {Port} instead")]
    public static partial void PortMoved(ILogger log, int requested, int port);

    [LoggerMessage(102, LogLevel.Information, "Node stopped")]
    public static partial void Stopped(ILogger log);

    [LoggerMessage(103, LogLevel.Information, "Peer {Peer} removed ({Reason})")]
    public static partial void PeerRemoved(ILogger log, Peers.PeerKey peer, Peers.PeerRemovalReason reason);

    [LoggerMessage(104, LogLevel.Warning, "Could not record peer {Peer}: {Error}")]
    public static partial void PeerNotRecorded(ILogger log, Peers.PeerKey peer, string error);

    [LoggerMessage(105, LogLevel.Error, "A background task failed")]
    public static partial void BackgroundTaskFailed(ILogger log, Exception error);

    [LoggerMessage(106, LogLevel.Warning, "Stopping: some background tasks did not end within {Seconds} s")]
    public static partial void StopTimedOut(ILogger log, double seconds);

    [LoggerMessage(107, LogLevel.Warning, "Dropped input from {Remote}: {Reason}")]
    public static partial void InputDropped(ILogger log, string remote, string reason);

    [LoggerMessage(108, LogLevel.Warning, "Refused {Remote} ({PeerId}): {Reason}")]
    public static partial void PeerRefused(ILogger log, string remote, string peerId, string reason);

    [LoggerMessage(109, LogLevel.Error, "Stopping: {Reason}")]
    public static partial void Failed(ILogger log, string reason);

    [LoggerMessage(110, LogLevel.Error, "An event subscriber failed on {Event}")]
    public static partial void SubscriberFailed(ILogger log, Exception error, string @event);

    [LoggerMessage(111, LogLevel.Warning, "{Count} events were not delivered: the event queue ({Capacity}) was full")]
    public static partial void EventsMissed(ILogger log, long count, int capacity);

    // Not "Refused": this node refused nothing; the peer ended the connection (it may have blocked this node).
    [LoggerMessage(112, LogLevel.Warning, "No session with {Remote} ({PeerId}): {Reason}")]
    public static partial void PeerClosedFirst(ILogger log, string remote, string peerId, string reason);
}
