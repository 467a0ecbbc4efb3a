using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Mailbox;

/// <summary>The mailbox's log lines, event IDs 800-899. IDs and counts only: never text, keys or envelope bytes.</summary>
internal static partial class MailboxLog
{
    [LoggerMessage(EventId = 801, Level = LogLevel.Information, Message = "Mailbox request from {Peer} (wants: {Wants}): {State}")]
    public static partial void Requested(ILogger logger, string peer, bool wants, ServeState state);

    [LoggerMessage(EventId = 802, Level = LogLevel.Information, Message = "Envelope {Envelope} from {Peer}: {Outcome}")]
    public static partial void Put(ILogger logger, Guid envelope, string peer, PutOutcome outcome);

    [LoggerMessage(EventId = 803, Level = LogLevel.Information, Message = "Handed {Count} envelopes to {Peer}, {Remaining} left")]
    public static partial void Fetched(ILogger logger, int count, string peer, int remaining);

    [LoggerMessage(EventId = 804, Level = LogLevel.Information, Message = "Receipt from {Peer}: {Outcome}")]
    public static partial void ReceiptIn(ILogger logger, string peer, ReceiptOutcome outcome);

    [LoggerMessage(EventId = 805, Level = LogLevel.Warning, Message = "Dropped a malformed {Frame} frame from {Peer}: {Reason}")]
    public static partial void BadFrame(ILogger logger, string frame, string peer, string reason);

    [LoggerMessage(EventId = 810, Level = LogLevel.Warning, Message = "Envelope from mailbox {Mailbox} refused: {Reason}")]
    public static partial void EnvelopeRefused(ILogger logger, string mailbox, string reason);

    [LoggerMessage(EventId = 811, Level = LogLevel.Information, Message = "Opened envelope {Envelope} from {Author} via {Mailbox} (duplicate: {Duplicate})")]
    public static partial void Opened(ILogger logger, Guid envelope, string author, string mailbox, bool duplicate);

    [LoggerMessage(EventId = 812, Level = LogLevel.Information, Message = "Mailbox {Mailbox} answered: {State}")]
    public static partial void MailboxAnswered(ILogger logger, string mailbox, ServeState state);

    [LoggerMessage(EventId = 813, Level = LogLevel.Warning, Message = "Mailbox information from {Peer} refused: {Reason}")]
    public static partial void InfoRefused(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 814, Level = LogLevel.Warning, Message = "Receipt via {Mailbox} refused: {Reason}")]
    public static partial void ReceiptRefused(ILogger logger, string mailbox, string reason);

    [LoggerMessage(EventId = 815, Level = LogLevel.Information, Message = "Told {Peer} our mailbox list: {Why}")]
    public static partial void ToldList(ILogger logger, string peer, string why);

    [LoggerMessage(EventId = 816, Level = LogLevel.Information, Message = "Told {Peer} that {Count} of its envelopes were dropped")]
    public static partial void ToldDropped(ILogger logger, string peer, int count);

    [LoggerMessage(EventId = 820, Level = LogLevel.Warning, Message = "Mailbox pass failed: {Error}")]
    public static partial void PassFailed(ILogger logger, string error);
}
