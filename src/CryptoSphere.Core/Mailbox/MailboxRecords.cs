using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>An envelope waiting in a mailbox; <see cref="Sequence"/> is the order it arrived in.</summary>
public sealed record HeldEnvelope(long Sequence, Guid Id, PeerId Sender, int Size, DateTimeOffset StoredAt, DateTimeOffset ExpiresAt, byte[] Data);

/// <summary>One recipient a mailbox knows of, for <c>mailbox status</c>.</summary>
public sealed record ServedRecipient(PeerId Recipient, bool Approved, DateTimeOffset? RequestedAt, MailboxQuota Quota, int HeldCount, long HeldBytes)
{
    public ServeState State => !Approved ? ServeState.Pending : RequestedAt is null ? ServeState.Pending : ServeState.Serving;
}

/// <summary>A mailbox this node asked to hold its mail, and what it last answered.</summary>
public sealed record UsedMailbox(PeerId Mailbox, DateTimeOffset AddedAt, ServeState? LastState, DateTimeOffset? LastAnswerAt);
