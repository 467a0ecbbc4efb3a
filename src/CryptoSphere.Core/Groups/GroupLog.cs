using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Groups;

/// <summary>Log messages of groups (event IDs 500-599).</summary>
internal static partial class GroupLog
{
    [LoggerMessage(500, LogLevel.Information, "Group {Name} is at version {Version}; member: {Member}")]
    public static partial void Changed(ILogger log, string name, long version, bool member);

    [LoggerMessage(501, LogLevel.Information, "Group message {Id} refused by {Member}: {Reason}")]
    public static partial void Refused(ILogger log, Guid id, string member, string reason);
    [LoggerMessage(502, LogLevel.Warning, "Sealed group message {MessageId} from a mailbox not taken: {Reason}")]
    public static partial void SealedRefused(ILogger log, Guid messageId, string reason);
}
