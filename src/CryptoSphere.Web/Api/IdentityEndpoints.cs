using CryptoSphere.Core.Node;
using CryptoSphere.Web.Access;
using CryptoSphere.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoSphere.Web.Api;

/// <summary>This node: name, ID (and its QR code, to compare IDs phone to screen), addresses, invite link (and its QR code).</summary>
internal static class IdentityEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/me", Me);
        api.MapGet("/me/qr.png", (ChatNode node) => Results.File(QrCodes.Png(node.Identity.Id.ToString()), "image/png"));
        api.MapGet("/me/link-qr.png", LinkQr);
        // The invite link as a QR code: someone on another network scans it instead of typing it.
        api.MapGet("/me/invite-qr.svg", (ChatNode node) => Results.Text(QrCodes.Svg(node.Invite.ToString()), "image/svg+xml"));
    }

    private static MeView Me(ChatNode node, WebAddresses web) => new(
        node.Name, node.Identity.Id.ToString(), node.Identity.Id.Short, $"{node.AdvertisedIp}:{node.Port}", node.Invite.ToString(),
        new WebLinksView(web.Local?.ToString(), web.Network?.ToString()));

    /// <summary>
    /// The network link with its token, as a QR code, so a phone can open the page without typing
    /// 43 random characters. Only shown to a page that already holds the token, and only when exposed.
    /// </summary>
    private static IResult LinkQr(WebAddresses web, AccessToken token) => web.Network is { } network
        ? Results.File(QrCodes.Png($"{network}?{TokenGate.QueryName}={token.Value}", 6), "image/png")
        : ApiError.NotFound("the web interface listens on this machine only (start it with --web-bind to open it from a phone)");
}
