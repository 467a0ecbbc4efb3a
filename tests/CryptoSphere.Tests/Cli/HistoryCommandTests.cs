using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary><c>history</c>, <c>search</c>, <c>outbox</c> and <c>export</c> as processes, on a database two real nodes wrote.</summary>
public sealed class HistoryCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _a = new();
    private readonly TempDirectory _b = new();
    private PeerId _bId;
    private PeerId _aId;
    private int _bPort;

    /// <summary>A writes to B, B answers; both wait for the acknowledgement, then both stop.</summary>
    public async Task InitializeAsync()
    {
        await using var a = await StoredNode.StartAsync("alice", _a.Path);
        await using var b = await StoredNode.StartAsync("bob", _b.Path);
        _aId = a.Identity.Id;
        _bId = b.Identity.Id;
        _bPort = b.Key.Port;

        var sent = await a.Node.SendAsync(b.Key, "Hello Bob, the zebra escaped");
        await a.Events.WaitFor<MessageDelivered>(d => d.MessageId == sent.MessageId, Long);
        var received = await b.Events.WaitFor<MessageReceived>(m => m.Text.StartsWith("Hello Bob"), Long);
        var reply = await b.Node.SendAsync(received.From, "Hi Alice, catch it quickly");
        await b.Events.WaitFor<MessageDelivered>(d => d.MessageId == reply.MessageId, Long);
        await a.Events.WaitFor<MessageReceived>(m => m.Text.StartsWith("Hi Alice"), Long);
    }

    public Task DisposeAsync()
    {
        _a.Dispose();
        _b.Dispose();
        return Task.CompletedTask;
    }

    private async Task<string> RunOkAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync([.. args, "--data-dir", _a.Path]);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        return stdout;
    }

    private static List<JsonElement> Array(string json) => JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();

    private static string? Text(JsonElement m) => m.GetProperty("text").GetString();

    [Fact]
    public async Task History_lists_both_messages_with_direction_and_state()
    {
        var messages = Array(await RunOkAsync("history", "--json"));

        Assert.Equal(2, messages.Count);
        var (sent, received) = (messages[0], messages[1]);
        Assert.Equal("Hello Bob, the zebra escaped", Text(sent));
        Assert.Equal("out", sent.GetProperty("direction").GetString());
        Assert.Equal("delivered", sent.GetProperty("state").GetString());
        Assert.Equal("secure", sent.GetProperty("protocol").GetString());
        Assert.Equal(_bId.Value, sent.GetProperty("peerId").GetString());

        Assert.Equal("Hi Alice, catch it quickly", Text(received));
        Assert.Equal("in", received.GetProperty("direction").GetString());
        Assert.Equal("received", received.GetProperty("state").GetString());
        Assert.Equal("bob", received.GetProperty("name").GetString());
        Assert.Equal(sent.GetProperty("conversation").GetString(), received.GetProperty("conversation").GetString());
        Assert.True(received.GetProperty("seq").GetInt64() > sent.GetProperty("seq").GetInt64());

        var text = await RunOkAsync("history");
        Assert.Contains("[delivered]: Hello Bob, the zebra escaped", text);
        Assert.Contains("Hi Alice, catch it quickly", text);
    }

    [Fact]
    public async Task History_of_one_peer_pages_back_with_limit_and_before()
    {
        var prefix = _bId.Short.ToLowerInvariant();

        var newest = await RunOkAsync("history", prefix, "--limit", "1");
        Assert.Contains("Hi Alice, catch it quickly", newest);
        Assert.DoesNotContain("zebra", newest);
        var hint = newest.Split('\n').Single(l => l.StartsWith("(older: --before "));
        var before = hint["(older: --before ".Length..].TrimEnd(')', '\r');

        var older = Array(await RunOkAsync("history", prefix, "--limit", "1", "--before", before, "--json"));
        Assert.Equal("Hello Bob, the zebra escaped", Text(Assert.Single(older)));

        var oldest = Array(await RunOkAsync("history", prefix, "--limit", "1", "--before", older[0].GetProperty("seq").GetInt64().ToString(), "--json"));
        Assert.Empty(oldest);

        // A prefix that matches nobody is an error, not an empty page.
        var (code, _, stderr) = await CliProcess.RunAsync("history", "ZZZZZZZ", "--data-dir", _a.Path);
        Assert.Equal(2, code);
        Assert.Contains("unknown peer 'ZZZZZZZ'", stderr);
    }

    [Fact]
    public async Task An_old_peers_conversation_at_a_secure_peers_address_opens_by_its_conversation_id()
    {
        // An old peer once wrote from the address bob has: HOST:PORT names bob's conversation, legacy:HOST:PORT the old one's.
        await using (var a = await StoredNode.StartAsync("alice", _a.Path))
        {
            await RawLegacyPeer.SendAsync(a.Key.Port, $"<127.0.0.1:{_bPort}> @ <oldtimer>\nfrom the old days\n<end>");
            await a.Events.WaitFor<MessageReceived>(m => m.Text == "from the old days", Long);
        }

        var secure = Array(await RunOkAsync("history", $"127.0.0.1:{_bPort}", "--json"));
        Assert.Equal(["Hello Bob, the zebra escaped", "Hi Alice, catch it quickly"], secure.Select(Text));

        var legacy = Array(await RunOkAsync("history", $"legacy:127.0.0.1:{_bPort}", "--json"));
        Assert.Equal("from the old days", Text(Assert.Single(legacy)));
        Assert.Equal("legacy", legacy[0].GetProperty("protocol").GetString());
        Assert.Equal($"legacy:127.0.0.1:{_bPort}", legacy[0].GetProperty("conversation").GetString());
    }

    [Fact]
    public async Task Search_finds_the_message_by_a_whole_word()
    {
        var found = Array(await RunOkAsync("search", "ZEBRA", "--json"));
        Assert.Equal("Hello Bob, the zebra escaped", Text(Assert.Single(found)));

        Assert.Empty(Array(await RunOkAsync("search", "zeb", "--json")));
        Assert.Equal("Hi Alice, catch it quickly", Text(Assert.Single(Array(await RunOkAsync("search", "catch \"quickly\"", "--json")))));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task Search_refuses_a_limit_below_one_as_history_does(string limit)
    {
        // Found from outside: --limit 0 said "Nothing found." though the zebra message matched; -5 meant no limit.
        var search = await CliProcess.RunAsync("search", "zebra", "--limit", limit, "--data-dir", _a.Path);
        var history = await CliProcess.RunAsync("history", "--limit", limit, "--data-dir", _a.Path);

        Assert.Equal(2, search.ExitCode);
        Assert.Equal("", search.Stdout);
        Assert.Equal(history.Stderr.Replace("history", "search"), search.Stderr);
        Assert.StartsWith("cryptosphere: --limit must be a positive number", search.Stderr);
        Assert.Single(Array(await RunOkAsync("search", "zebra", "--limit", "1", "--json")));
    }

    [Fact]
    public async Task Outbox_is_empty_after_delivery()
    {
        Assert.Empty(Array(await RunOkAsync("outbox", "--json")));
        Assert.Contains("The outbox is empty.", await RunOkAsync("outbox"));
    }

    [Fact]
    public async Task Export_writes_markdown_and_never_overwrites()
    {
        var file = _a.Combine("export.md");

        await RunOkAsync("export", "--format", "markdown", "--out", file);

        var markdown = await File.ReadAllTextAsync(file);
        Assert.StartsWith("# CryptoSphere history", markdown);
        Assert.Contains("Hello Bob, the zebra escaped", markdown);
        Assert.Contains("Hi Alice, catch it quickly", markdown);
        Assert.Contains($"peer:{_bId.Value}", markdown);
        var before = await File.ReadAllBytesAsync(file);

        var (code, _, stderr) = await CliProcess.RunAsync("export", "--format", "markdown", "--out", file, "--data-dir", _a.Path);

        Assert.NotEqual(0, code);
        Assert.Contains("already exists", stderr);
        Assert.Equal(before, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task The_other_side_has_the_mirror_image()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("history", "--json", "--data-dir", _b.Path);
        Assert.True(code == 0, stderr);
        var messages = Array(stdout);
        Assert.Equal(["in", "out"], messages.Select(m => m.GetProperty("direction").GetString()));
        Assert.Equal(["received", "delivered"], messages.Select(m => m.GetProperty("state").GetString()));
        Assert.Equal(_aId.Value, messages[0].GetProperty("peerId").GetString());
    }
}
