using CryptoSphere.Core.Node;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Web.Api;

/// <summary>A peer ID met at least once, and what the user decided about it.</summary>
public sealed record ContactView(
    string PeerId, string Short, string Name, string Trust, DateTimeOffset FirstSeen, DateTimeOffset? LastSeen, string? LastAddress,
    bool Connected, string Conversation)
{
    internal static ContactView From(Contact c, bool connected) => new(
        c.Id.ToString(), c.Id.Short, c.Name, Core.Trust.TrustLabels.Of(c.State), c.FirstSeen, c.NeverSeen ? null : c.LastSeen, c.LastAddress, connected,
        ConversationId.Peer(c.Id).ToString());
}

/// <summary>With <c>--accept trusted</c>: a peer that is not trusted wrote; its messages wait for a decision.</summary>
public sealed record ContactRequestView(string PeerId, string Short, string Name, string From, IReadOnlyList<string> Messages)
{
    internal static ContactRequestView Of(HeldMessages held) => new(
        held.Id.ToString(), held.Id.Short, held.Name, held.From.ToString(), held.Messages.Select(m => m.Text).ToList());
}

public sealed record ContactsView(IReadOnlyList<ContactView> Contacts, IReadOnlyList<ContactRequestView> Requests);
