using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Groups;

/// <summary>A group as this node knows it. Only <see cref="Admin"/> may change it; each change bumps <see cref="Version"/>.</summary>
public sealed record Group(Guid Id, string Name, PeerId Admin, long Version, IReadOnlyList<GroupMember> Members, bool IsMember)
{
    public string Conversation => Conversations.ConversationId.Group(Id).ToString();

    public IEnumerable<GroupMember> Current => Members.Where(m => !m.Removed);

    public bool HasMember(PeerId id) => Current.Any(m => m.Id == id);

    /// <summary>
    /// Whether a message of <paramref name="author"/> at <paramref name="lamport"/> belongs to the group: its author is a
    /// current member, or was removed at a later Lamport time. Judged by the group's order, not by when it arrives, so a
    /// message sent while its author was a member, and delivered after the removal, is kept by every member alike.
    /// </summary>
    public bool Admits(PeerId author, long lamport) =>
        Members.FirstOrDefault(m => m.Id == author) is { } member && (!member.Removed || lamport < member.RemovedAtLamport);
}

/// <summary>
/// A member, with the address the admin last knew for it (a candidate until a handshake proves it). A removed member has
/// the admin's Lamport time at its removal; 0 when unknown (a removal from before the time was kept): then none of its
/// messages is taken any more.
/// </summary>
public sealed record GroupMember(PeerId Id, string? Address, bool Removed, long RemovedAtLamport = 0);
