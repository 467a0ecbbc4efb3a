using System.Net;
using System.Net.Http.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web;

namespace CryptoSphere.Web.Tests.Support;

/// <summary>
/// A node on 127.0.0.1 with its web interface on a system-chosen port, as the program runs it
/// (the real Kestrel host, not an in-memory test server), and HTTP clients for it.
/// </summary>
public sealed class WebNode : IAsyncDisposable
{
    public const string GuardHeader = "X-CryptoSphere";

    private readonly List<HttpClient> _clients = [];

    private WebNode(ChatNode node, WebInterface web, EventWaiter events, CapturingLoggerProvider logs)
    {
        Node = node;
        Web = web;
        Events = events;
        Logs = logs;
    }

    public ChatNode Node { get; }
    public WebInterface Web { get; }
    public EventWaiter Events { get; }

    /// <summary>Everything the node and the web host logged, at Trace level.</summary>
    public CapturingLoggerProvider Logs { get; }

    public Uri Url => Web.LocalUrl;

    public static async Task<WebNode> StartAsync(string name, Func<NodeOptions, NodeOptions>? configure = null)
    {
        var logs = new CapturingLoggerProvider();
        var factory = logs.CreateFactory();
        var options = TestNodes.Options(name);
        options = configure?.Invoke(options) ?? options;
        var node = new ChatNode(options, factory);
        var events = new EventWaiter(node);
        try
        {
            await node.StartAsync();
            var web = await WebInterface.StartAsync(node, new WebOptions { Bind = IPAddress.Loopback, Port = 0 }, factory);
            return new WebNode(node, web, events, logs);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client with no token and no cookie; redirects are not followed, so tests see them.</summary>
    public HttpClient Anonymous(CookieContainer? cookies = null)
    {
        var client = new HttpClient(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = cookies ?? new CookieContainer(),
            UseCookies = true,
        })
        {
            BaseAddress = Url,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _clients.Add(client);
        return client;
    }

    /// <summary>A client that opened the token link, as a browser does, and now holds the cookie.</summary>
    public async Task<HttpClient> SignedInAsync()
    {
        var client = Anonymous();
        using var response = await client.GetAsync($"/?token={Web.Token}");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return client;
    }

    /// <summary>A change, sent as the page sends it (with the guard header).</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add(GuardHeader, "1");
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> DeleteAsync(HttpClient client, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, path);
        request.Headers.Add(GuardHeader, "1");
        return client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            client.Dispose();
        await Web.DisposeAsync();
        Events.Dispose();
        await Node.DisposeAsync();
    }
}
