using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>The token: nothing without it, the link swapped for a cookie, changes guarded against other sites, never logged.</summary>
public sealed class AccessTests : IAsyncLifetime
{
    private WebNode _a = null!;

    public async Task InitializeAsync() => _a = await WebNode.StartAsync("alice");

    public async Task DisposeAsync() => await _a.DisposeAsync();

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/app.js")]
    [InlineData("/api/me")]
    [InlineData("/api/me/qr.png")]
    [InlineData("/api/peers")]
    [InlineData("/api/conversations")]
    [InlineData("/api/events")]
    [InlineData("/no-such-page")]
    public async Task Every_page_is_401_without_the_token(string path)
    {
        using var response = await _a.Anonymous().GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(_a.Web.Token, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_change_without_the_token_is_401_and_changes_nothing()
    {
        using var response = await WebNode.PostAsync(_a.Anonymous(), "/api/groups", new { name = "sneaky" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_a.Node.Groups);
    }

    [Fact]
    public async Task A_wrong_token_is_401_and_sets_no_cookie()
    {
        var client = _a.Anonymous();
        var wrong = _a.Web.Token[..^1] + (_a.Web.Token[^1] == 'A' ? 'B' : 'A');

        using var response = await client.GetAsync($"/?token={wrong}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        using var after = await client.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task The_link_sets_an_HttpOnly_SameSite_Strict_cookie_and_leads_to_the_page_without_the_token()
    {
        var cookies = new CookieContainer();
        var client = _a.Anonymous(cookies);

        using var response = await client.GetAsync($"/?token={_a.Web.Token}&tab=peers");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/?tab=peers", response.Headers.Location!.OriginalString);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"cryptosphere-{_a.Web.Port}=", setCookie);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", setCookie.Replace("samesite=strict", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);

        using var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<title>CryptoSphere</title>", await page.Content.ReadAsStringAsync());

        var me = await Json.GetAsync(client, "/api/me");
        Assert.Equal(_a.Node.Identity.Id.ToString(), me.GetProperty("peerId").GetString());
        Assert.Equal("alice", me.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Scripts_can_use_a_bearer_header_instead_of_the_cookie()
    {
        var client = _a.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _a.Web.Token);

        var me = await Json.GetAsync(client, "/api/me");

        Assert.Equal("alice", me.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_change_needs_the_page_header_even_with_the_cookie()
    {
        var client = await _a.SignedInAsync();

        using var bare = await client.PostAsJsonAsync("/api/groups", new { name = "from a form elsewhere" });
        Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);
        Assert.Empty(_a.Node.Groups);

        using var guarded = await WebNode.PostAsync(client, "/api/groups", new { name = "friends" });
        Assert.Equal(HttpStatusCode.OK, guarded.StatusCode);
        Assert.Equal("friends", Assert.Single(_a.Node.Groups).Name);
    }

    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "http://127.0.0.1:1")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task A_change_from_another_site_is_refused(string header, string value)
    {
        var client = await _a.SignedInAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/groups") { Content = JsonContent.Create(new { name = "csrf" }) };
        request.Headers.Add(WebNode.GuardHeader, "1");
        request.Headers.Add(header, value);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(_a.Node.Groups);
    }

    [Fact]
    public async Task A_change_from_our_own_page_is_accepted()
    {
        var client = await _a.SignedInAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/groups") { Content = JsonContent.Create(new { name = "ours" }) };
        request.Headers.Add(WebNode.GuardHeader, "1");
        request.Headers.Add("Origin", _a.Url.GetLeftPart(UriPartial.Authority));
        request.Headers.Add("Sec-Fetch-Site", "same-origin");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Pages_forbid_inline_script_framing_and_sniffing()
    {
        var client = await _a.SignedInAsync();

        using var response = await client.GetAsync("/app.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task The_token_never_reaches_the_logs()
    {
        var client = await _a.SignedInAsync();
        await client.GetAsync($"/api/me?token={_a.Web.Token}");
        await _a.Anonymous().GetAsync($"/?token={_a.Web.Token}x");
        await WebNode.PostAsync(client, $"/api/messages?token={_a.Web.Token}", new { to = "nobody", text = "x" });
        await client.GetAsync("/api/me");
        await _a.Web.StopAsync();

        var logs = _a.Logs.Text;
        Assert.Contains("Web interface listening", logs);
        Assert.DoesNotContain(_a.Web.Token, logs);
    }
}
