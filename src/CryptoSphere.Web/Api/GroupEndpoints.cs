using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoSphere.Web.Api;

/// <summary>Groups: list, create, add or remove members (admin only), leave. Sending goes through /api/messages.</summary>
internal static class GroupEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/groups", List);
        api.MapPost("/groups", Create);
        api.MapPost("/groups/{id:guid}/members", (ChatNode node, Guid id, PeerRequest request) =>
            ChangeAsync(node, id, request.Peer, (g, p) => node.AddMemberAsync(g, p)));
        api.MapDelete("/groups/{id:guid}/members/{peer}", (ChatNode node, Guid id, string peer) =>
            ChangeAsync(node, id, peer, (g, p) => node.RemoveMemberAsync(g, p)));
        api.MapPost("/groups/{id:guid}/leave", Leave);
    }

    private static IReadOnlyList<GroupView> List(ChatNode node)
    {
        var connected = node.ConnectedPeerIds;
        return node.Groups.Select(g => View(node, g, connected)).ToList();
    }

    private static IResult Create(ChatNode node, NameRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
            return ApiError.BadRequest("a group needs a name");
        return Results.Ok(View(node, node.CreateGroup(request.Name), node.ConnectedPeerIds));
    }

    private static async Task<IResult> ChangeAsync(ChatNode node, Guid id, string? peer,
        Func<Guid, Core.Identity.PeerId, Task<Group>> change)
    {
        if (!Recipients.TryResolvePeerId(peer ?? "", node.Trust, out var member, out var error))
            return ApiError.BadRequest(error);
        try
        {
            return Results.Ok(View(node, await change(id, member), node.ConnectedPeerIds));
        }
        catch (ArgumentException e)
        {
            return ApiError.BadRequest(e.Message);
        }
        catch (InvalidOperationException e)
        {
            return ApiError.Conflict(e.Message);
        }
    }

    private static IResult Leave(ChatNode node, Guid id)
    {
        try
        {
            node.LeaveGroup(id);
            return Results.Ok(new { left = id });
        }
        catch (ArgumentException e)
        {
            return ApiError.NotFound(e.Message);
        }
    }

    private static GroupView View(ChatNode node, Group g, IReadOnlyCollection<Core.Identity.PeerId> connected) =>
        GroupView.From(g, node.Identity.Id, node.Trust, connected);
}
