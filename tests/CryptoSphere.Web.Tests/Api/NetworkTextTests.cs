using System.Net;
using System.Text.RegularExpressions;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>
/// Without a browser: text from the network (a peer's name from its HELLO) leaves the server only as JSON
/// data, and the page's script has no way to turn data into markup. (The browser test shows the result.)
/// </summary>
public sealed partial class NetworkTextTests : IAsyncLifetime
{
    private const string MarkupName = "<b id=\"injected\">bob</b><img src=x onerror=alert(1)>";

    private WebNode _a = null!;

    public async Task InitializeAsync() => _a = await WebNode.StartAsync("alice");

    public async Task DisposeAsync() => await _a.DisposeAsync();

    [Fact]
    public async Task A_peer_name_made_of_HTML_is_served_as_JSON_data_verbatim()
    {
        await using var bob = await TestNodes.StartAsync(MarkupName);
        Assert.True((await bob.SendAsync(TestNodes.KeyOf(_a.Node), "hi")).Success);
        await _a.Events.WaitFor<MessageReceived>(m => m.PeerId == bob.Identity.Id);
        var client = await _a.SignedInAsync();

        foreach (var path in new[] { "/api/peers", "/api/contacts", "/api/conversations" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            var body = await response.Content.ReadAsStringAsync();
            // Data, not pre-escaped HTML (which the page would then have to turn back into markup).
            Assert.DoesNotContain("&lt;", body);
        }
        var peers = await Json.GetAsync(client, "/api/peers");
        Assert.Contains(peers.EnumerateArray(), p => p.GetProperty("name").GetString() == MarkupName);
    }

    // Every way a script can turn a string into elements. The page builds elements and sets textContent only.
    [GeneratedRegex(@"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write(ln)?|createContextualFragment|DOMParser|setHTMLUnsafe|parseHTMLUnsafe|srcdoc)\b")]
    private static partial Regex MarkupSinks();

    // Comments may name the sinks (to forbid them); only code counts.
    [GeneratedRegex(@"/\*[\s\S]*?\*/|^\s*//[^\n]*|<!--[\s\S]*?-->", RegexOptions.Multiline)]
    private static partial Regex Comments();

    [Theory]
    [InlineData("/app.js")]
    [InlineData("/index.html")]
    public async Task The_page_never_parses_text_as_HTML(string asset)
    {
        var client = await _a.SignedInAsync();
        var source = await client.GetStringAsync(asset);

        var sinks = MarkupSinks().Matches(Comments().Replace(source, "")).Select(m => m.Value).ToList();

        Assert.True(Comments().Replace(source, "").Length > source.Length / 2, $"{asset} is mostly comments?");
        Assert.Empty(sinks);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=\s*[""']", asset == "/index.html" ? source : ""); // no inline handlers
    }
}
