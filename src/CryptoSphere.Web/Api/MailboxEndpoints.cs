using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoSphere.Web.Api;

/// <summary>
/// Mailboxes (docs/protocol.md §19): the status <c>mailbox status</c> shows, the settings <c>mailbox use</c> and
/// <c>mailbox serve</c> change, and the outbox with where each message waits.
/// </summary>
internal static class MailboxEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/mailboxes", (ChatNode node) => MailboxesView.Of(node.Mailboxes, node.Trust));
        api.MapPost("/mailboxes/used", (ChatNode node, PeerRequest request) => Missing(request.Peer) ?? Change(node, request.Peer, id =>
        {
            if (id == node.Identity.Id)
                return MailboxLabels.OwnId(id);
            var outcome = node.Mailboxes.TryUse(id);
            return outcome is UseOutcome.Added or UseOutcome.AlreadyUsed ? null : MailboxLabels.UseRefused(id, outcome);
        }));
        api.MapDelete("/mailboxes/used/{peer}", (ChatNode node, string peer) => Change(node, peer, id => node.Mailboxes.StopUsing(id)
            ? null : $"{id} is not one of your mailboxes"));
        api.MapPost("/mailboxes/served", Serve);
        api.MapDelete("/mailboxes/served/{peer}", (ChatNode node, string peer) => Change(node, peer, id =>
        {
            node.Mailboxes.StopServing(id);
            return null;
        }));
        api.MapGet("/outbox", Outbox);
    }

    private static IResult Serve(ChatNode node, ServeRequest request)
    {
        var defaults = MailboxQuota.Default;
        var days = request.ExpiryDays ?? defaults.Expiry.TotalDays;
        var quota = new MailboxQuota(request.MaxEnvelopes ?? defaults.MaxEnvelopes,
            request.MaxMegabytes is { } mb ? (long)Math.Clamp(mb, 0, int.MaxValue) << 20 : defaults.MaxBytes,
            double.IsFinite(days) && days is > 0 and <= 365 ? TimeSpan.FromDays(days) : TimeSpan.Zero);
        if (quota.Problem is { } problem)
            return ApiError.BadRequest(problem);
        if (Missing(request.Peer) is { } missing)
            return missing;
        return Change(node, request.Peer, id => node.Mailboxes.Serve(id, quota)
            ? null : $"cannot serve {id}: it is not a trusted contact (trust it first, after comparing its ID)");
    }

    // A body without "peer" was answered "no known peer ID starts with ''" (found from outside): name the missing field.
    private static IResult? Missing(string? peer) =>
        string.IsNullOrWhiteSpace(peer) ? ApiError.BadRequest("the request has no \"peer\": give the mailbox's peer ID or a unique start of it") : null;

    /// <summary>Resolves the peer, applies the change (null, or why it was refused) and answers with the new status.</summary>
    private static IResult Change(ChatNode node, string? peer, Func<PeerId, string?> change)
    {
        if (!Recipients.TryResolvePeerId(peer ?? "", node.Trust, out var id, out var error))
            return ApiError.BadRequest(error);
        return change(id) is { } refused ? ApiError.BadRequest(refused) : Results.Ok(MailboxesView.Of(node.Mailboxes, node.Trust));
    }

    private static List<MessageView> Outbox(ChatNode node)
    {
        var trust = new TrustLabelCache(node.Trust);
        var waiting = node.Waiting();
        return node.Store.Outbox().DistinctBy(r => r.Message.Id).Select(r => MessageView.From(r.Message, trust, waiting, node.Trust)).ToList();
    }
}
