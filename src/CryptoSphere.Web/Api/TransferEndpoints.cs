using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace CryptoSphere.Web.Api;

/// <summary>
/// File transfers: list, send (the page uploads the file to the node, which offers it), and accept,
/// decline or cancel. Progress reaches the page as transfer events on the live feed.
/// </summary>
internal static class TransferEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/transfers", (ChatNode node) => node.Transfers.Select(TransferView.From).ToList());
        api.MapPost("/transfers", OfferAsync);
        api.MapPost("/transfers/{id:guid}/accept", async (ChatNode node, Guid id) => Answer(await node.AcceptTransferAsync(id)));
        api.MapPost("/transfers/{id:guid}/decline", async (ChatNode node, Guid id) => Answer(await node.DeclineTransferAsync(id)));
        api.MapPost("/transfers/{id:guid}/cancel", async (ChatNode node, Guid id) => Answer(await node.CancelTransferAsync(id)));
    }

    private static IResult Answer(TransferActionResult result) =>
        result.Success ? Results.Ok(new OkReply(true)) : ApiError.BadRequest(result.Error ?? "not possible");

    // The body is the file itself, streamed to disk: a transfer never holds the whole file in memory.
    private static async Task<IResult> OfferAsync(HttpContext context, ChatNode node, string? to, string? name)
    {
        if (!Recipients.TryResolve(to, node.Trust, out var target, out var error))
            return ApiError.BadRequest(error);
        if (target.Group is not null)
            return ApiError.BadRequest("files go to one peer, not to a group");
        // The name is untrusted like any from the network: no directories, no "..", no device names.
        var safeName = SafeFileName.Sanitize(name);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;

        // The uploads folder is the program's own; what the user sends is nobody else's to read while it waits.
        OwnerOnly.CreateFolder(node.UploadsFolder, ours: true);
        var path = Path.Combine(node.UploadsFolder, Guid.NewGuid().ToString("N") + "-" + safeName);
        try
        {
            await using var file = OwnerOnly.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
            await context.Request.Body.CopyToAsync(file, context.RequestAborted);
        }
        catch
        {
            // An upload that stopped half-way (the browser gone, the disk full) leaves no partial copy behind.
            File.Delete(path);
            throw;
        }

        var offer = target.Id is { } id
            ? await node.OfferFileAsync(id, path, safeName, context.RequestAborted)
            : await node.OfferFileAsync(target.Address!.Value, path, safeName, context.RequestAborted);
        if (!offer.Success)
        {
            File.Delete(path);
            return ApiError.BadRequest(offer.Error ?? "the offer failed");
        }
        return Results.Ok(TransferView.From(offer.Transfer!));
    }
}
