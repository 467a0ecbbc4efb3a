using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoSphere.Web.Api;

/// <summary>Conversations, their history page by page, search, sending and broadcast.</summary>
internal static class MessageEndpoints
{
    public const int DefaultPage = 50;
    public const int MaxPage = 200;

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/conversations", Conversations);
        api.MapGet("/conversations/{id}/messages", History);
        api.MapGet("/search", Search);
        api.MapPost("/messages", SendAsync);
        api.MapPost("/broadcast", BroadcastAsync);
    }

    private static IReadOnlyList<ConversationView> Conversations(ChatNode node)
    {
        var trust = new TrustLabelCache(node.Trust);
        var connected = node.ConnectedPeerIds;
        var groups = node.Groups.ToDictionary(g => g.Conversation, StringComparer.Ordinal);
        var views = new List<ConversationView>();
        foreach (var c in node.Store.Conversations())
        {
            if (groups.Remove(c.Id, out var group))
            {
                views.Add(new ConversationView(c.Id, "group", group.Name, c.LastActivity, c.Messages, null, "group",
                    group.Current.Any(m => connected.Contains(m.Id)), null));
            }
            else if (ConversationId.TryParse(c.Id, out var conversation) && conversation.PeerId is { } id)
            {
                var contact = node.Trust.Find(id);
                var title = contact?.Name is { Length: > 0 } name ? name : c.Title.Length > 0 ? c.Title : id.Short;
                views.Add(new ConversationView(c.Id, "peer", title, c.LastActivity, c.Messages, id.ToString(), trust.Of(id),
                    connected.Contains(id), node.Peers.Find(id)?.Key.ToString() ?? contact?.LastAddress));
            }
            else
            {
                var address = ConversationId.TryParse(c.Id, out var legacy) && legacy.Kind == ConversationKind.Legacy ? legacy.Value : null;
                // Online as an old peer: an address a CryptoSphere node now has is that node's, not the old peer's.
                var online = PeerKey.TryParse(address, out var key, out _) && node.Peers.Find(key) is { Protocol: PeerProtocol.Legacy };
                views.Add(new ConversationView(c.Id, "legacy", c.Title.Length > 0 ? c.Title : address ?? c.Id, c.LastActivity, c.Messages,
                    null, Core.Trust.TrustLabels.Unencrypted, online, address));
            }
        }
        // Groups nobody has written in yet still belong in the list, so their chat can be opened.
        foreach (var group in groups.Values.Where(g => g.IsMember))
            views.Add(new ConversationView(group.Conversation, "group", group.Name, null, 0, null, "group",
                group.Current.Any(m => connected.Contains(m.Id)), null));
        return views;
    }

    private static IResult History(ChatNode node, string id, long? before, int? limit)
    {
        var size = Math.Clamp(limit ?? DefaultPage, 1, MaxPage);
        var trust = new TrustLabelCache(node.Trust);
        var page = node.Store.History(id, size, before);
        var waiting = node.Waiting();
        // A full page may have more before it; the page asks again with before = the first seq.
        return Results.Ok(new HistoryPage(id, page.Select(m => MessageView.From(m, trust, waiting, node.Trust)).ToList(), page.Count == size));
    }

    private static IResult Search(ChatNode node, string? q, int? limit)
    {
        if (string.IsNullOrWhiteSpace(q))
            return ApiError.BadRequest("give words to search for");
        var trust = new TrustLabelCache(node.Trust);
        return Results.Ok(node.Store.Search(q, Math.Clamp(limit ?? DefaultPage, 1, MaxPage)).Select(m => MessageView.From(m, trust)).ToList());
    }

    private static async Task<IResult> SendAsync(ChatNode node, SendRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Text))
            return ApiError.BadRequest("the message is empty");
        if (!Recipients.TryResolve(request.To, node.Trust, out var target, out var error))
            return ApiError.BadRequest(error);

        if (target.Group is { } group)
        {
            var sent = await node.SendToGroupAsync(group.Id, request.Text);
            if (!sent.Success)
                return GroupEndpoints.Refused(sent.Failure, sent.Error!);
            return Results.Ok(new SendView(group.Name, group.Conversation, sent.MessageId, sent.Queued == 0 ? "sent" : "queued",
                sent.Queued == 0 ? null : $"{sent.Queued} member(s) offline; queued for them", "secure"));
        }

        // The request's own cancellation is not passed on: a message already stored must not be half sent
        // because the page went away. Dialling is bounded by the node's connect timeout.
        SendResult result;
        string? conversation;
        if (target.Id is { } id)
        {
            result = await node.SendAsync(id, request.Text);
            conversation = ConversationId.Peer(id).ToString();
        }
        else
        {
            var address = target.Address!.Value;
            result = await node.SendAsync(address, request.Text);
            conversation = ConversationOf(node, address, result);
        }
        return Results.Ok(new SendView(result.To.Port == 0 ? request.To : result.To.ToString(), result.MessageId is null ? null : conversation,
            result.MessageId, Labels.State(result.State), result.Error, Labels.Protocol(result.Protocol)) { Note = result.Caveat });
    }

    private static async Task<IResult> BroadcastAsync(ChatNode node, TextRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Text))
            return ApiError.BadRequest("the message is empty");
        var results = await node.BroadcastAsync(request.Text);
        return Results.Ok(results.Select(r => new SendView(r.To.ToString(), r.MessageId is null ? null : ConversationOf(node, r.To, r),
            r.MessageId, Labels.State(r.State), r.Error, Labels.Protocol(r.Protocol))).ToList());
    }

    /// <summary>A secure message files under the peer's ID, which the handshake has just proven.</summary>
    private static string ConversationOf(ChatNode node, PeerKey address, SendResult result)
    {
        if (result.Protocol != PeerProtocol.Secure)
            return ConversationId.Legacy(address).ToString();
        var id = node.Peers.Find(address)?.Id ?? node.Trust.FindByAddress(address.ToString())?.Id;
        return ConversationId.Of(id, address).ToString();
    }
}
