using System.Net;
using System.Net.Http.Headers;
using CryptoSphere.Web.Access;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>
/// Only the whole token opens the interface: a part of it (a check that compares a prefix would take a
/// one-character guess) or the token with more after it is refused, by header, cookie and link alike.
/// </summary>
public sealed class TokenMatchTests : IAsyncLifetime
{
    private WebNode _a = null!;

    public async Task InitializeAsync() => _a = await WebNode.StartAsync("alice");

    public async Task DisposeAsync() => await _a.DisposeAsync();

    /// <summary>Near misses of the real token, by how they are made.</summary>
    private string Guess(string kind) => kind switch
    {
        "first character" => _a.Web.Token[..1],
        "all but the last character" => _a.Web.Token[..^1],
        "the token and one more character" => _a.Web.Token + "A",
        "the token twice" => _a.Web.Token + _a.Web.Token,
        "the last character" => _a.Web.Token[^1..],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static TheoryData<string> NearMisses =>
        ["first character", "all but the last character", "the token and one more character", "the token twice", "the last character"];

    [Theory]
    [MemberData(nameof(NearMisses))]
    public async Task A_bearer_token_that_is_only_part_of_the_token_is_401(string kind)
    {
        var client = _a.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Guess(kind));

        using var response = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(NearMisses))]
    public async Task A_cookie_that_is_only_part_of_the_token_is_401(string kind)
    {
        var cookies = new CookieContainer();
        cookies.Add(_a.Url, new Cookie($"cryptosphere-{_a.Web.Port}", Guess(kind)));

        using var response = await _a.Anonymous(cookies).GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(NearMisses))]
    public async Task A_link_with_only_part_of_the_token_is_401_and_sets_no_cookie(string kind)
    {
        using var response = await _a.Anonymous().GetAsync($"/?token={Uri.EscapeDataString(Guess(kind))}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task The_whole_token_as_a_bearer_opens_the_api()
    {
        var client = _a.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _a.Web.Token);

        using var response = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("s3cret-token", "s3cret-token", true)]
    [InlineData("s3cret-token", "s", false)]
    [InlineData("s3cret-token", "s3cret-toke", false)]
    [InlineData("s3cret-token", "s3cret-tokenX", false)]
    [InlineData("s3cret-token", "S3CRET-TOKEN", false)]
    [InlineData("s3cret-token", "x3cret-token", false)]
    [InlineData("s3cret-token", "", false)]
    [InlineData("s3cret-token", null, false)]
    public void Matches_only_the_whole_token(string token, string? candidate, bool expected) =>
        Assert.Equal(expected, new AccessToken(token).Matches(candidate));

    [Fact]
    public void Matches_refuses_a_candidate_over_256_characters_even_if_the_token_is_that_long()
    {
        var longToken = new string('a', 257);
        Assert.False(new AccessToken(longToken).Matches(longToken));
        var limit = new string('a', 256);
        Assert.True(new AccessToken(limit).Matches(limit));
    }

    [Fact]
    public void A_new_token_is_43_url_safe_characters_and_new_each_time()
    {
        var first = AccessToken.Create();
        var second = AccessToken.Create();

        Assert.Equal(43, first.Value.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", first.Value);
        Assert.NotEqual(first.Value, second.Value);
        Assert.DoesNotContain(first.Value, first.ToString());
    }
}
