using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Conversations;

namespace CryptoSphere.Web.Api;

/// <summary>A row of the peer table: who is around right now.</summary>
public sealed record PeerView(
    string Address, string Name, string? PeerId, string? Short, string Protocol, string Security, bool Connected,
    string Source, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Messages, string Conversation, string Reach)
{
    internal static PeerView From(Peer p, TrustLabelCache trust, IReadOnlyCollection<Core.Identity.PeerId> connected) => new(
        p.Key.ToString(), p.Name, p.Id?.ToString(), p.Id?.Short, Labels.Protocol(p.Protocol),
        p.Protocol == PeerProtocol.Legacy ? Core.Trust.TrustLabels.Unencrypted : trust.Of(p.Id),
        p.Id is { } id && connected.Contains(id), p.Source.ToString().ToLowerInvariant(),
        p.FirstSeen, p.LastSeen, p.MessageCount, ConversationId.Of(p.Protocol == PeerProtocol.Secure ? p.Id : null, p.Key).ToString(),
        LocalNetworks.Label(LocalNetworks.ReachOf(p.Key)));
}
