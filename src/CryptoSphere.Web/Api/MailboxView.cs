using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Web.Api;

/// <summary>What <c>mailbox status</c> shows: the mailboxes this node uses, the peers it holds mail for, and the default quota.</summary>
public sealed record MailboxesView(IReadOnlyList<UsedMailboxView> Used, IReadOnlyList<ServedView> Served, QuotaView Defaults)
{
    internal static MailboxesView Of(MailboxStore store, TrustStore trust) => new(
        store.Used().Select(u => new UsedMailboxView(PeerNameView.Of(u.Mailbox, trust), u.LastState?.ToString().ToLowerInvariant(),
            MailboxLabels.Of(u.LastState), u.LastAnswerAt)).ToList(),
        store.Served().Select(s => new ServedView(PeerNameView.Of(s.Recipient, trust), s.State.ToString().ToLowerInvariant(), MailboxLabels.Of(s),
            s.HeldCount, s.HeldBytes, QuotaView.Of(s.Quota))).ToList(),
        QuotaView.Of(MailboxQuota.Default));
}

/// <summary>A mailbox this node asked to hold its mail; <see cref="State"/> null until it answered.</summary>
public sealed record UsedMailboxView(PeerNameView Mailbox, string? State, string Status, DateTimeOffset? AnsweredAt);

/// <summary>A peer this node holds (or was asked to hold) mail for, with what it holds now.</summary>
public sealed record ServedView(PeerNameView Recipient, string State, string Status, int HeldCount, long HeldBytes, QuotaView Quota);

public sealed record QuotaView(int MaxEnvelopes, long MaxBytes, double ExpiryDays)
{
    internal static QuotaView Of(MailboxQuota quota) => new(quota.MaxEnvelopes, quota.MaxBytes, quota.Expiry.TotalDays);
}
