using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Groups;

/// <summary>A group as this node knows it. Only <see cref="Admin"/> may change it; each change bumps <see cref="Version"/>.</summary>
public sealed record Group(Guid Id, string Name, PeerId Admin, long Version, IReadOnlyList<GroupMember> Members, bool IsMember)
{
    public string Conversation => Conversations.ConversationId.Group(Id).ToString();

    public IEnumerable<GroupMember> Current => Members.Where(m => !m.Removed);

    public bool HasMember(PeerId id) => Current.Any(m => m.Id == id);
}

/// <summary>A member, with the address the admin last knew for it (a candidate until a handshake proves it).</summary>
public sealed record GroupMember(PeerId Id, string? Address, bool Removed);
