using CryptoSphere.Web.Api;
using Microsoft.AspNetCore.Http;

namespace CryptoSphere.Web.Access;

/// <summary>
/// Requests that change something must come from our own page. Another site (or another local web
/// server: 127.0.0.1:9999 is "same-site" to us, so SameSite cookies still go there) cannot add a custom
/// header without a CORS preflight, which we never answer; a foreign Origin is refused as well.
/// </summary>
internal sealed class CrossSiteGuard(RequestDelegate next)
{
    public const string HeaderName = "X-CryptoSphere";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            await next(context);
            return;
        }
        var refusal = Refusal(request);
        if (refusal is null)
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await context.Response.WriteAsJsonAsync(new ErrorReply(refusal), WebJson.Default.ErrorReply);
    }

    private static string? Refusal(HttpRequest request)
    {
        if (request.Headers[HeaderName] != "1")
            return $"a request that changes something needs the header {HeaderName}: 1";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
            return "cross-site request refused";
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite is "cross-site" or "same-site")
            return "cross-site request refused";
        return null;
    }
}
