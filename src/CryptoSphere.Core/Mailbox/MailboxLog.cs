using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Mailbox;

/// <summary>The mailbox's log lines, event IDs 1600-1699. IDs and counts only: never text, keys or envelope bytes.</summary>
internal static partial class MailboxLog
{
    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Mailbox request from {Peer} (wants: {Wants}): {State}")]
    public static partial void Requested(ILogger logger, string peer, bool wants, ServeState state);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "Envelope {Envelope} from {Peer}: {Outcome}")]
    public static partial void Put(ILogger logger, Guid envelope, string peer, PutOutcome outcome);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Information, Message = "Handed {Count} envelopes to {Peer}, {Remaining} left")]
    public static partial void Fetched(ILogger logger, int count, string peer, int remaining);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Information, Message = "Receipt from {Peer}: {Outcome}")]
    public static partial void ReceiptIn(ILogger logger, string peer, ReceiptOutcome outcome);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Warning, Message = "Dropped a malformed {Frame} frame from {Peer}: {Reason}")]
    public static partial void BadFrame(ILogger logger, string frame, string peer, string reason);

    [LoggerMessage(EventId = 1610, Level = LogLevel.Warning, Message = "Envelope from mailbox {Mailbox} refused: {Reason}")]
    public static partial void EnvelopeRefused(ILogger logger, string mailbox, string reason);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Information, Message = "Opened envelope {Envelope} from {Author} via {Mailbox} (duplicate: {Duplicate})")]
    public static partial void Opened(ILogger logger, Guid envelope, string author, string mailbox, bool duplicate);

    [LoggerMessage(EventId = 1612, Level = LogLevel.Information, Message = "Mailbox {Mailbox} answered: {State}")]
    public static partial void MailboxAnswered(ILogger logger, string mailbox, ServeState state);

    [LoggerMessage(EventId = 1613, Level = LogLevel.Warning, Message = "Mailbox information from {Peer} refused: {Reason}")]
    public static partial void InfoRefused(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 1614, Level = LogLevel.Warning, Message = "Receipt via {Mailbox} refused: {Reason}")]
    public static partial void ReceiptRefused(ILogger logger, string mailbox, string reason);

    [LoggerMessage(EventId = 1620, Level = LogLevel.Warning, Message = "Mailbox pass failed: {Error}")]
    public static partial void PassFailed(ILogger logger, string error);
}
