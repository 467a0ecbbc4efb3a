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

    // Worth a line: a removed member's message taken is what the README's "same history everywhere" rests on (hunt-B D2).
    [LoggerMessage(503, LogLevel.Information, "Group message {MessageId} of {Author}, removed from {Name}, taken: its Lamport time {Lamport} is before the removal's {RemovedAt}")]
    public static partial void TakenBeforeRemoval(ILogger log, Guid messageId, string author, string name, long lamport, long removedAt);
}
