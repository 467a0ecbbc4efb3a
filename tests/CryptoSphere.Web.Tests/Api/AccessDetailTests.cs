using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>The finer points of the token gate, the cross-site guard and the response headers.</summary>
public sealed class AccessDetailTests : IAsyncLifetime
{
    private WebNode _a = null!;

    public async Task InitializeAsync() => _a = await WebNode.StartAsync("alice");

    public async Task DisposeAsync() => await _a.DisposeAsync();

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task The_bearer_scheme_is_case_insensitive_and_spaces_around_the_token_do_not_matter(string scheme)
    {
        var client = _a.Anonymous();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"{scheme}   {_a.Web.Token}  ");

        using var response = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("Basic")]
    [InlineData("Token")]
    [InlineData("")]
    public async Task Another_scheme_with_the_right_token_is_401(string scheme)
    {
        var client = _a.Anonymous();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"{scheme} {_a.Web.Token}".Trim());

        using var response = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_refusal_asks_for_a_bearer_token_is_not_cached_and_says_what_to_do()
    {
        using var response = await _a.Anonymous().GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("needs its access link", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_link_on_a_HEAD_request_sets_the_cookie_too()
    {
        var client = _a.Anonymous();
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/?token={_a.Web.Token}"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.StartsWith($"cryptosphere-{_a.Web.Port}=", Assert.Single(response.Headers.GetValues("Set-Cookie")));
    }

    [Fact]
    public async Task A_token_in_the_query_of_a_change_is_not_swapped_for_a_cookie()
    {
        // A form on another site could POST to the link; only a navigation (GET) is swapped for the cookie.
        var client = _a.Anonymous();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/groups?token={_a.Web.Token}") { Content = JsonContent.Create(new { name = "x" }) };
        request.Headers.Add(WebNode.GuardHeader, "1");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Empty(_a.Node.Groups);
    }

    [Fact]
    public async Task The_redirect_keeps_every_other_query_value_and_the_path()
    {
        using var response = await _a.Anonymous().GetAsync($"/index.html?a=1&token={_a.Web.Token}&a=2&b=x%20y");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/index.html?a=1&a=2&b=x%20y", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_guard_header_must_be_exactly_1()
    {
        var client = await _a.SignedInAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/groups") { Content = JsonContent.Create(new { name = "x" }) };
        request.Headers.Add(WebNode.GuardHeader, "0");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("X-CryptoSphere", await response.Content.ReadAsStringAsync());
        Assert.Empty(_a.Node.Groups);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "same-origin", HttpStatusCode.OK)]
    [InlineData("Sec-Fetch-Site", "none", HttpStatusCode.OK)]
    [InlineData("Origin", "UPPER", HttpStatusCode.OK)]
    [InlineData("Origin", "https://127.0.0.1", HttpStatusCode.Forbidden)]
    public async Task Origin_and_fetch_site_values_are_judged_exactly(string header, string value, HttpStatusCode expected)
    {
        var client = await _a.SignedInAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/groups") { Content = JsonContent.Create(new { name = "g" }) };
        request.Headers.Add(WebNode.GuardHeader, "1");
        // "UPPER": our own origin in capitals (origins compare case-insensitively).
        request.Headers.Add(header, value == "UPPER" ? _a.Url.GetLeftPart(UriPartial.Authority).ToUpperInvariant() : value);

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_delete_and_a_put_need_the_guard_too_but_options_does_not()
    {
        var client = await _a.SignedInAsync();

        using var delete = await client.DeleteAsync("/api/peers/127.0.0.1:9");
        using var put = await client.PutAsync("/api/groups", JsonContent.Create(new { name = "p" }));
        using var options = await client.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/me"));

        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, options.StatusCode);
    }

    [Fact]
    public async Task Api_answers_are_never_stored_and_pages_are_revalidated_and_neither_can_be_framed()
    {
        var client = await _a.SignedInAsync();

        using var api = await client.GetAsync("/api/me");
        using var page = await client.GetAsync("/");

        Assert.True(api.Headers.CacheControl?.NoStore);
        Assert.True(page.Headers.CacheControl?.NoCache);
        Assert.False(page.Headers.CacheControl?.NoStore);
        foreach (var response in new[] { api, page })
        {
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
            var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            Assert.StartsWith("default-src 'none';", policy);
            Assert.Contains("base-uri 'none'", policy);
            Assert.Contains("connect-src 'self'", policy);
        }
    }
}
