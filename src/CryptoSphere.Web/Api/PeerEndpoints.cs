using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoSphere.Web.Api;

/// <summary>The peer table: list, connect to every known peer (menu option 3), remove one (option 6).</summary>
internal static class PeerEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/peers", List);
        api.MapPost("/peers/connect", ConnectAllAsync);
        api.MapDelete("/peers/{address}", RemoveAsync);
    }

    private static IReadOnlyList<PeerView> List(ChatNode node)
    {
        var trust = new TrustLabelCache(node.Trust);
        var connected = node.ConnectedPeerIds;
        return node.Peers.Snapshot().Select(p => PeerView.From(p, trust, connected)).ToList();
    }

    private static async Task<IReadOnlyList<SendView>> ConnectAllAsync(ChatNode node)
    {
        var results = await node.RequestConnectionsAsync();
        return results.Select(r => new SendView(r.To.ToString(), null, null, r.Success ? "connected" : "failed", r.Error,
            Labels.Protocol(r.Protocol))).ToList();
    }

    private static async Task<IResult> RemoveAsync(ChatNode node, string address)
    {
        if (!PeerKey.TryParse(address, out var key, out var error))
            return ApiError.BadRequest(error);
        if (node.Peers.Find(key) is null)
            return ApiError.NotFound($"unknown peer {key}");
        var result = await node.RemovePeerAsync(key);
        // The peer is gone from the table either way; a failed goodbye is only worth a mention.
        return Results.Ok(new RemovedReply(key.ToString(), result.Success, result.Error));
    }
}
