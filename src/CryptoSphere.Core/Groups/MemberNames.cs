using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Core.Groups;

/// <summary>How members are named to the user: "you", the name the peer gave in its handshake, else its short ID.</summary>
public static class MemberNames
{
    public static string Of(PeerId member, PeerId? self, TrustStore? trust) =>
        member == self ? "you" : trust?.Find(member)?.Name is { Length: > 0 } name ? name : member.Short;

    /// <summary>The group's current members for a one-line listing: the admin first (marked), then the others by name.</summary>
    public static IEnumerable<string> List(Group group, PeerId? self, TrustStore? trust) =>
        group.Current.OrderBy(m => m.Id != group.Admin).ThenBy(m => Of(m.Id, self, trust), StringComparer.OrdinalIgnoreCase)
            .Select(m => Of(m.Id, self, trust) + (m.Id == group.Admin ? " (admin)" : ""));
}
