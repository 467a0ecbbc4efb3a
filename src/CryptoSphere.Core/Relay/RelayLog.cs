using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Relay;

/// <summary>Relay client log lines, event IDs 1500–1519. Keys and tokens are never logged.</summary>
internal static partial class RelayLog
{
    [LoggerMessage(1500, LogLevel.Information, "Joined relay {Relay}")]
    public static partial void Joined(ILogger logger, RelayUrl relay);

    [LoggerMessage(1501, LogLevel.Warning, "Relay {Relay} unavailable ({Reason}); retrying in {Delay}")]
    public static partial void Unavailable(ILogger logger, RelayUrl relay, string reason, TimeSpan delay);

    [LoggerMessage(1502, LogLevel.Information, "Relay {Relay} invites us to a session with {Device}")]
    public static partial void Invited(ILogger logger, RelayUrl relay, string device);

    [LoggerMessage(1503, LogLevel.Debug, "Relay {Relay} pinged")]
    public static partial void Pinged(ILogger logger, RelayUrl relay);

    [LoggerMessage(1504, LogLevel.Information, "Left relay {Relay}")]
    public static partial void Left(ILogger logger, RelayUrl relay);

    [LoggerMessage(1505, LogLevel.Information, "Session with {Device} through relay {Relay} requested")]
    public static partial void SessionRequested(ILogger logger, RelayUrl relay, string device);

    [LoggerMessage(1506, LogLevel.Debug, "Relay {Relay} lost the race to pair our session with {Device}; asking again")]
    public static partial void SessionRetried(ILogger logger, RelayUrl relay, string device);

    // Warning (it was Debug, so a wrong pinned ID or a dead server went unseen); once per cause, then 1509 at Debug.
    [LoggerMessage(1507, LogLevel.Warning, "Discovery lookup of {Device} failed: {Reason}; peers are not found on their relays until it works")]
    public static partial void LookupFailed(ILogger logger, string device, string reason);

    [LoggerMessage(1509, LogLevel.Debug, "Discovery lookup of {Device} failed again: {Reason}")]
    public static partial void LookupFailedAgain(ILogger logger, string device, string reason);

    [LoggerMessage(1510, LogLevel.Information, "No relay reached {Device} (tried {Tried}; first error: {Reason})")]
    public static partial void NoRelayReached(ILogger logger, string device, int tried, string reason);

    [LoggerMessage(1508, LogLevel.Debug, "Relay {Relay} could not reach {Device}: {Reason}")]
    public static partial void DialFailed(ILogger logger, RelayUrl relay, string device, string reason);

    [LoggerMessage(1509, LogLevel.Warning, "Relay invitation from {Device} not taken: {Open} sessions with devices that are not trusted contacts are open (at most {Cap}); {Refused} not taken so far")]
    public static partial void StrangersAtCap(ILogger logger, string device, int open, int cap, long refused);
}
