using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.GlobalDiscovery;

/// <summary>Global discovery log lines, event IDs 1520–1539.</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(1520, LogLevel.Information, "Announced {Count} addresses to {Server}; next in {Next}")]
    public static partial void Announced(ILogger logger, DiscoveryServerUrl server, int count, TimeSpan next);

    [LoggerMessage(1521, LogLevel.Warning, "Announcing to {Server} failed ({Reason}); retrying in {Next}")]
    public static partial void AnnounceFailed(ILogger logger, DiscoveryServerUrl server, string reason, TimeSpan next);

    [LoggerMessage(1522, LogLevel.Debug, "Looked up {Device} at {Server}: {Count} addresses")]
    public static partial void LookedUp(ILogger logger, DiscoveryServerUrl server, string device, int count);
}
