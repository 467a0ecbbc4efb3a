using Microsoft.AspNetCore.Http;

namespace CryptoSphere.Web.Access;

/// <summary>
/// Headers on every response. The content security policy allows our own script and nothing inline,
/// so even a rendering mistake could not run script that arrived in a message.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    private const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // The first URL carries the token; no page of ours ever hands it on as a referrer.
        headers["Referrer-Policy"] = "no-referrer";
        if (context.Request.Path.StartsWithSegments("/api"))
            headers.CacheControl = "no-store";
        else
            headers.CacheControl = "no-cache";
        return next(context);
    }
}
