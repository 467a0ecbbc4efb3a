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

    private static IResult Create(ChatNode node, NameRequest request) =>
        Answer(node, node.CreateGroup(request.Name ?? ""));

    private static async Task<IResult> ChangeAsync(ChatNode node, Guid id, string? peer,
        Func<Guid, Core.Identity.PeerId, Task<GroupResult<Group>>> change)
    {
        // A member is named as in the CLI: also by a prefix of an ID in the group's own list (one never met).
        var group = node.Store.FindGroup(id);
        var resolved = group is null
            ? Recipients.TryResolvePeerId(peer ?? "", node.Trust, out var member, out var error)
            : Recipients.TryResolveMember(peer ?? "", group, node.Trust, out member, out error);
        if (!resolved)
            return ApiError.BadRequest(error);
        return Answer(node, await change(id, member));
    }

    private static IResult Leave(ChatNode node, Guid id)
    {
        var left = node.LeaveGroup(id);
        return left.Success ? Results.Ok(new LeftReply(id) { Unchanged = left.Unchanged }) : Refused(left.Failure, left.Error!);
    }

    // The group as it is now; "unchanged" when adding a member already there or removing one who is not.
    private static IResult Answer(ChatNode node, GroupResult<Group> result) => result.Value is { } group
        ? Results.Ok(View(node, group, node.ConnectedPeerIds) with { Unchanged = result.Unchanged })
        : Refused(result.Failure, result.Error!);

    /// <summary>A refused group operation as an HTTP answer: 404 for an unknown group, 409 when it is not ours to do, else 400.</summary>
    internal static IResult Refused(GroupFailure failure, string error) => failure switch
    {
        GroupFailure.NotFound => ApiError.NotFound(error),
        GroupFailure.NotAllowed or GroupFailure.Full => ApiError.Conflict(error),
        _ => ApiError.BadRequest(error),
    };

    private static GroupView View(ChatNode node, Group g, IReadOnlyCollection<Core.Identity.PeerId> connected) =>
        GroupView.From(g, node.Identity.Id, node.Trust, connected);
}
