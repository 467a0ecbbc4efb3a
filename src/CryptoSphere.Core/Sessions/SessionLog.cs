using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Sessions;

/// <summary>Log messages of the session layer (event IDs 200-299): listening, accepting, dialing, sessions.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(200, LogLevel.Warning, "Accept failed: {Error}")]
    public static partial void AcceptFailed(ILogger log, System.Net.Sockets.SocketError error);

    [LoggerMessage(201, LogLevel.Warning, "Refusing connections from {Address} unread: {PerIp} open and as many waiting from that address (cap in all {Total}; {Refused} refused so far)")]
    public static partial void OverLimit(ILogger log, System.Net.IPAddress address, int perIp, int total, long refused);

    [LoggerMessage(202, LogLevel.Error, "Unexpected error on connection from {Remote}")]
    public static partial void HandlerFailed(ILogger log, Exception error, string remote);

    [LoggerMessage(210, LogLevel.Information, "Secure session with {PeerId} ({Address}), {Direction}")]
    public static partial void Opened(ILogger log, string peerId, Peers.PeerKey address, string direction);

    [LoggerMessage(211, LogLevel.Information, "Secure session with {PeerId} ended: {Reason}")]
    public static partial void Ended(ILogger log, string peerId, string reason);

    [LoggerMessage(212, LogLevel.Debug, "Reconnect to {PeerId} at {Address} failed: {Error}")]
    public static partial void ReconnectFailed(ILogger log, string peerId, Peers.PeerKey address, string? error);

    [LoggerMessage(213, LogLevel.Warning, "New key {PeerId} uses the name or address of trusted peer {Trusted}: possibly someone posing as it")]
    public static partial void Lookalike(ILogger log, string peerId, string trusted);

    [LoggerMessage(214, LogLevel.Information, "{PeerId} is reached directly at {Address} now, no longer through the relay")]
    public static partial void SwitchedToDirect(ILogger log, string peerId, Peers.PeerKey address);

    [LoggerMessage(215, LogLevel.Debug, "Direct dial of relayed peer {PeerId} at {Address} failed: {Error}; next try in {Delay}")]
    public static partial void DirectRetryFailed(ILogger log, string peerId, Peers.PeerKey address, string? error, TimeSpan delay);

    [LoggerMessage(216, LogLevel.Warning, "Stopping: {Count} secure connections were still open after the goodbyes' time; closed without one")]
    public static partial void Aborted(ILogger log, int count);
}
