using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CryptoSphere.Core.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace CryptoSphere.Web.Api;

/// <summary>
/// <c>GET /api/events</c>: Server-Sent Events, one JSON object per node event (new messages, delivery,
/// peers coming and going). Plain EventSource in the page; no client library. The first event is
/// <c>{"type":"hello"}</c>, so the page knows the feed is live and can reload what it missed meanwhile.
/// </summary>
internal static class EventEndpoint
{
    // A page that stops reading loses its oldest events, never slows the node down.
    private const int Backlog = 1024;

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/events", (ChatNode node, IHostApplicationLifetime lifetime, HttpContext context) =>
            TypedResults.ServerSentEvents(StreamAsync(node, lifetime.ApplicationStopping, context.RequestAborted)));

    private static async IAsyncEnumerable<string> StreamAsync(ChatNode node, CancellationToken stopping,
        [EnumeratorCancellation] CancellationToken aborted = default)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(Backlog)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        void OnEvent(NodeEvent e) => channel.Writer.TryWrite(NodeEventJson.Serialize(e));

        // Ends when the page goes away or the web interface stops, whichever comes first.
        using var end = CancellationTokenSource.CreateLinkedTokenSource(stopping, aborted);
        node.EventRaised += OnEvent;
        try
        {
            yield return """{"type":"hello"}""";
            while (await WaitAsync(channel.Reader, end.Token))
            {
                while (channel.Reader.TryRead(out var item))
                    yield return item;
            }
        }
        finally
        {
            node.EventRaised -= OnEvent;
        }
    }

    private static async Task<bool> WaitAsync(ChannelReader<string> reader, CancellationToken token)
    {
        try
        {
            return await reader.WaitToReadAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
