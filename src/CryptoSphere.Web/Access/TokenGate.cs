using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace CryptoSphere.Web.Access;

/// <summary>
/// Every request needs the access token: a cookie for the browser, or <c>Authorization: Bearer</c> for
/// scripts. The printed link carries it once as <c>?token=</c>; it is swapped for the cookie and the
/// browser is sent on to the same page without it, so it does not stay in the address bar or history.
/// </summary>
internal sealed class TokenGate(RequestDelegate next, AccessToken token)
{
    public const string QueryName = "token";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Query.TryGetValue(QueryName, out var offered) && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        {
            if (!token.Matches(offered.ToString()))
            {
                await RefuseAsync(context);
                return;
            }
            context.Response.Cookies.Append(CookieName(context), token.Value, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                // Plain HTTP on loopback: a Secure cookie would never be sent back.
                Secure = request.IsHttps,
                Path = "/",
                IsEssential = true,
            });
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Redirect(request.PathBase + request.Path + WithoutToken(request.Query));
            return;
        }

        if (token.Matches(request.Cookies[CookieName(context)]) || token.Matches(BearerOf(request)))
        {
            await next(context);
            return;
        }
        await RefuseAsync(context);
    }

    /// <summary>
    /// Cookies belong to a host, not a port: two nodes on one machine (ports 8080 and 8081) would
    /// overwrite each other's cookie under one name.
    /// </summary>
    public static string CookieName(HttpContext context) => $"cryptosphere-{context.Connection.LocalPort}";

    private static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }

    private static QueryString WithoutToken(IQueryCollection query) =>
        QueryString.Create(query.Where(q => q.Key != QueryName)
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))));

    private static Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = new StringValues("Bearer");
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(
            "401 - this CryptoSphere web interface needs its access link.\n" +
            "Open the link that cryptosphere printed when it started (http://...:PORT/?token=...).\n" +
            "A new link is made at every start.\n");
    }
}
