using System.Net;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Discovery;

/// <summary>Log messages of LAN discovery's sockets (event IDs 750-769, within discovery's 700-799).</summary>
internal static partial class LanDiscoveryLog
{
    [LoggerMessage(750, LogLevel.Information, "LAN discovery on {Group}:{Port}")]
    public static partial void Started(ILogger log, IPAddress group, int port);

    [LoggerMessage(751, LogLevel.Information, "No IPv6 discovery: {Error}")]
    public static partial void NoIpv6(ILogger log, string error);

    [LoggerMessage(752, LogLevel.Debug, "Announcement to {Group} not sent: {Error}")]
    public static partial void AnnounceFailed(ILogger log, IPEndPoint group, string error);

    [LoggerMessage(753, LogLevel.Debug, "Discovery receive failed: {Error}")]
    public static partial void ReceiveFailed(ILogger log, string error);

    [LoggerMessage(754, LogLevel.Debug, "Discovery datagram from {Source} sent to {Destination}, not to the group: dropped")]
    public static partial void NotMulticast(ILogger log, IPAddress source, IPAddress destination);

    [LoggerMessage(755, LogLevel.Debug, "Discovery flood from {Source}: datagram dropped")]
    public static partial void Flooded(ILogger log, IPAddress source);

    [LoggerMessage(756, LogLevel.Warning, "Ignored a discovery datagram from {Source}: {Reason}")]
    public static partial void Ignored(ILogger log, IPAddress source, string? reason);

    [LoggerMessage(757, LogLevel.Error, "Handling an announcement from {Source} failed")]
    public static partial void HandlerFailed(ILogger log, Exception error, IPAddress source);
}
