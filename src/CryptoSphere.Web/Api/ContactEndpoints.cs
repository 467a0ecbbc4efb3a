using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoSphere.Web.Api;

/// <summary>Contacts and trust: every ID met, trust / block / unblock, and contact requests (<c>--accept trusted</c>).</summary>
internal static class ContactEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/contacts", List);
        api.MapPost("/contacts/{peer}/trust", (ChatNode node, string peer) => Decide(node, peer, id => node.TrustPeer(id)));
        api.MapPost("/contacts/{peer}/unblock", (ChatNode node, string peer) => Decide(node, peer, id => node.UnblockPeer(id)));
        api.MapPost("/contacts/{peer}/block", BlockAsync);
        api.MapPost("/contacts/{peer}/reject", Reject);
        api.MapPost("/contacts/invite", AddInvite);
    }

    /// <summary>What <c>cryptosphere add LINK</c> does: the contact the invite link names, trusted only when asked.</summary>
    private static IResult AddInvite(ChatNode node, InviteRequest request)
    {
        if (!Core.Trust.InviteLink.TryParse(request.Link, out var link, out var error))
            return ApiError.BadRequest(error);
        if (link!.Id == node.Identity.Id)
            return ApiError.BadRequest("this is your own invite link");
        link.AddTo(node.Trust, request.Trust, DateTimeOffset.UtcNow);
        return Results.Ok(Contact(node, link.Id));
    }

    private static ContactsView List(ChatNode node)
    {
        var connected = node.ConnectedPeerIds;
        return new ContactsView(
            node.Trust.All().Select(c => ContactView.From(c, connected.Contains(c.Id))).ToList(),
            node.ContactRequests.Select(ContactRequestView.Of).ToList());
    }

    private static IResult Decide(ChatNode node, string peer, Action<Core.Identity.PeerId> decide)
    {
        if (!Recipients.TryResolvePeerId(peer, node.Trust, out var id, out var error))
            return ApiError.BadRequest(error);
        decide(id);
        return Results.Ok(Contact(node, id));
    }

    private static async Task<IResult> BlockAsync(ChatNode node, string peer)
    {
        if (!Recipients.TryResolvePeerId(peer, node.Trust, out var id, out var error))
            return ApiError.BadRequest(error);
        await node.BlockPeerAsync(id);
        return Results.Ok(Contact(node, id));
    }

    private static IResult Reject(ChatNode node, string peer)
    {
        if (!Recipients.TryResolvePeerId(peer, node.Trust, out var id, out var error))
            return ApiError.BadRequest(error);
        return node.RejectContactRequest(id)
            ? Results.Ok(new RejectedReply(id.ToString()))
            : ApiError.NotFound($"no contact request from {id.Short}");
    }

    private static ContactView? Contact(ChatNode node, Core.Identity.PeerId id) =>
        node.Trust.Find(id) is { } contact ? ContactView.From(contact, node.ConnectedPeerIds.Contains(id)) : null;
}
