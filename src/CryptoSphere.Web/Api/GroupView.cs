using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Web.Api;

public sealed record GroupView(
    Guid Id, string Name, string Admin, bool IsAdmin, long Version, bool IsMember, IReadOnlyList<GroupMemberView> Members,
    string Conversation)
{
    internal static GroupView From(Group g, PeerId self, TrustStore trust, IReadOnlyCollection<PeerId> connected) => new(
        g.Id, g.Name, g.Admin.ToString(), g.Admin == self, g.Version, g.IsMember,
        g.Current.Select(m => new GroupMemberView(m.Id.ToString(), m.Id.Short, m.Id == self ? "you" : trust.Find(m.Id)?.Name ?? "",
            m.Id == g.Admin, m.Id == self || connected.Contains(m.Id))).ToList(),
        g.Conversation);

    /// <summary>The request changed nothing: the member was already in the group, or already not.</summary>
    public bool Unchanged { get; init; }
}

public sealed record GroupMemberView(string PeerId, string Short, string Name, bool IsAdmin, bool Connected);
