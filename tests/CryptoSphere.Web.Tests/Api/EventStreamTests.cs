using System.Text.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>The live feed: Server-Sent Events, one JSON object per node event.</summary>
public sealed class EventStreamTests : IAsyncLifetime
{
    private WebNode _a = null!;

    public async Task InitializeAsync() => _a = await WebNode.StartAsync("alice");

    public async Task DisposeAsync() => await _a.DisposeAsync();

    [Fact]
    public async Task New_messages_delivery_and_peers_arrive_as_events()
    {
        var client = await _a.SignedInAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        await ReadUntilAsync(reader, e => e.GetProperty("type").GetString() == "hello", timeout.Token);

        await using var bob = await TestNodes.StartAsync("bob");
        var sent = await bob.SendAsync(TestNodes.KeyOf(_a.Node), "<script>alert(1)</script>");
        Assert.True(sent.Success, sent.Error);

        var added = await ReadUntilAsync(reader, e => e.GetProperty("type").GetString() == "peer_added", timeout.Token);
        Assert.Equal("bob", added.GetProperty("name").GetString());
        var message = await ReadUntilAsync(reader, e => e.GetProperty("type").GetString() == "message_received", timeout.Token);
        Assert.Equal("<script>alert(1)</script>", message.GetProperty("text").GetString());
        Assert.Equal("peer:" + bob.Identity.Id.Value, message.GetProperty("conversation").GetString());

        var reply = await _a.Node.SendAsync(bob.Identity.Id, "got it");
        var delivered = await ReadUntilAsync(reader, e => e.GetProperty("type").GetString() == "message_delivered", timeout.Token);
        Assert.Equal(reply.MessageId.ToString(), delivered.GetProperty("messageId").GetString());

        await bob.StopAsync();
        await ReadUntilAsync(reader, e => e.GetProperty("type").GetString() == "secure_peer_disconnected", timeout.Token);
    }

    [Fact]
    public async Task Stopping_the_interface_ends_open_feeds_promptly()
    {
        var client = await _a.SignedInAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        await ReadUntilAsync(reader, e => e.GetProperty("type").GetString() == "hello", timeout.Token);

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        var stopped = _a.Web.StopAsync();

        // The feed ends with the stop: the server finishes the response (its last chunk), so reading comes to an end.
        // A feed that ignored the stop would be cut off by the host once its shutdown timeout (3 s) ran out: the connection
        // is reset mid-response and reading fails instead (checked). No wall-clock bound here: a loaded machine can be slow
        // to stop, or to resume this test afterwards, without the feed having been held open.
        var cutOff = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadLineAsync(timeout.Token) is not null)
            {
            }
        });
        Assert.True(cutOff is null, $"the feed did not end with the stop ({stopping.Elapsed.TotalSeconds:0.0} s after it began): {cutOff}");
        await stopped.WaitAsync(timeout.Token);
    }

    private static async Task<JsonElement> ReadUntilAsync(StreamReader reader, Func<JsonElement, bool> match, CancellationToken token)
    {
        var seen = new List<string>();
        while (await reader.ReadLineAsync(token) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
                continue;
            seen.Add(line);
            var e = JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            if (match(e))
                return e;
        }
        throw new EndOfStreamException("the feed ended; events: " + string.Join("\n", seen));
    }
}
