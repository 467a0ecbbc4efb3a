using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>
/// Every API error has the body the page shows, <c>{"error": "..."}</c>, also those the framework answers itself (found
/// from outside: a bare status with an empty body, and "no such API" for a route asked with the wrong method).
/// </summary>
public sealed class ErrorBodyTests : IAsyncLifetime
{
    private WebNode _a = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice");
        _client = await _a.SignedInAsync();
    }

    public async Task DisposeAsync() => await _a.DisposeAsync();

    private async Task<(HttpStatusCode Status, string Error, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path,
        string? body = null, string contentType = "application/json", bool expectContinue = false)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(WebNode.GuardHeader, "1");
        request.Headers.ExpectContinue = expectContinue;
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Length > 0, $"{method} {path}: {(int)response.StatusCode} with an empty body");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!, response);
    }

    [Theory]
    [InlineData("{bad json", "not JSON of the expected shape")]
    [InlineData("""{"to":123,"text":true}""", "not JSON of the expected shape")]
    [InlineData("null", "no body")]
    public async Task A_body_that_is_not_the_expected_JSON_is_a_400_that_says_so(string body, string expected)
    {
        var (status, error, _) = await SendAsync(HttpMethod.Post, "/api/messages", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, error);
        // Nothing was sent or stored.
        Assert.Empty(_a.Node.Store.History(null, 10));
    }

    [Theory]
    [InlineData("/api/mailboxes/served", """{"peer":"ABC","maxBytes":1}""", "maxBytes")]
    [InlineData("/api/messages", """{"to":"127.0.0.1:4000","text":"hi","txet":"x"}""", "txet")]
    [InlineData("/api/mailboxes/used", """{"peerId":"ABC"}""", "peerId")]
    public async Task A_body_with_an_unknown_field_is_a_400_naming_it(string path, string body, string field)
    {
        // Found from outside: "maxBytes" (the field is maxMegabytes) was dropped silently and the 8 MB default kept.
        var (status, error, _) = await SendAsync(HttpMethod.Post, path, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"unknown field \"{field}\"", error);
        Assert.Empty(_a.Node.Store.History(null, 10));
    }

    [Theory]
    [InlineData("/api/mailboxes/used")]
    [InlineData("/api/mailboxes/served")]
    public async Task A_mailbox_request_without_a_peer_says_the_peer_is_missing(string path)
    {
        // Found from outside: {} was answered "no known peer ID starts with ''".
        var (status, error, _) = await SendAsync(HttpMethod.Post, path, "{}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("no \"peer\"", error);
        Assert.DoesNotContain("starts with", error);
    }

    [Fact]
    public async Task A_value_of_the_wrong_kind_in_the_address_is_a_400_with_an_error()
    {
        var (status, error, _) = await SendAsync(HttpMethod.Get, "/api/conversations/x/messages?before=abc");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not of the expected kind", error);
    }

    [Fact]
    public async Task A_route_asked_with_another_method_is_a_405_naming_the_method()
    {
        var (status, error, response) = await SendAsync(HttpMethod.Get, "/api/messages");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal("this API does not take GET", error);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task A_form_instead_of_JSON_is_a_415_that_asks_for_JSON()
    {
        var (status, error, _) = await SendAsync(HttpMethod.Post, "/api/messages", "to=127.0.0.1:4000&text=hi", "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("Content-Type: application/json", error);
        Assert.Empty(_a.Node.Store.History(null, 10));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_that_says_the_limit()
    {
        var body = $$"""{"to":"127.0.0.1:4000","text":"{{new string('A', 3_000_000)}}"}""";

        // Headers first, the body only if the server asks for it: the server answers 413 from the length alone and closes,
        // and a client still writing 3 MB then failed on a broken pipe before it read the answer (seen in a CI run).
        var (status, error, _) = await SendAsync(HttpMethod.Post, "/api/messages", body, expectContinue: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("2 MiB", error);
    }

    [Fact]
    public async Task A_path_that_is_no_API_is_still_a_404_no_such_API()
    {
        var (status, error, _) = await SendAsync(HttpMethod.Get, "/api/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("no such API", error);
    }

    [Fact]
    public async Task A_failure_no_endpoint_caught_is_a_500_with_the_reason_and_is_logged()
    {
        // The uploads folder replaced by a file: the upload cannot be kept.
        using var files = new TempDirectory();
        await using var node = await WebNode.StartAsync("uploader", o => o with { DownloadsDirectory = files.Path });
        var client = await node.SignedInAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(node.Node.UploadsFolder)!);
        await File.WriteAllTextAsync(node.Node.UploadsFolder, "not a folder");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/transfers?to=127.0.0.1:4000&name=a.txt")
        {
            Content = new ByteArrayContent("hello"u8.ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add(WebNode.GuardHeader, "1");

        using var response = await client.SendAsync(request);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.StartsWith("the node could not do that: ", error);
        Assert.Contains("POST /api/transfers failed", node.Logs.Text);
    }
}
