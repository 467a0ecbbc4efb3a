using System.Net;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>Sending and history through the API, against a second real node.</summary>
public sealed class MessagingApiTests : IAsyncLifetime
{
    private WebNode _a = null!;
    private ChatNode _b = null!;
    private EventWaiter _bEvents = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice");
        _bEvents = new EventWaiter();
        _b = await TestNodes.StartAsync("bob", _bEvents);
        _client = await _a.SignedInAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        _bEvents.Dispose();
        await _b.DisposeAsync();
    }

    private string BobAddress => $"127.0.0.1:{_b.Port}";

    private string BobConversation => "peer:" + _b.Identity.Id.Value;

    [Fact]
    public async Task An_old_peers_conversation_at_a_secure_peers_address_is_not_shown_online_because_the_secure_peer_is()
    {
        // Found from outside: the legacy conversation was marked online because a CryptoSphere node was online there.
        await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = BobAddress, text = "hello bob" }));
        await _bEvents.WaitFor<MessageReceived>(m => m.Text == "hello bob");
        using (var old = new System.Net.Sockets.TcpClient())
        {
            await old.ConnectAsync("127.0.0.1", _a.Node.Port);
            await old.GetStream().WriteAsync(System.Text.Encoding.UTF8.GetBytes($"<127.0.0.1:{_b.Port}> @ <oldtimer>\nfrom the old days\n<end>"));
        }
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == "from the old days");

        var conversations = (await Json.GetAsync(_client, "/api/conversations")).EnumerateArray().ToList();

        Assert.True(conversations.Single(c => c.GetProperty("id").GetString() == BobConversation).GetProperty("online").GetBoolean());
        Assert.False(conversations.Single(c => c.GetProperty("id").GetString() == "legacy:" + BobAddress).GetProperty("online").GetBoolean());
    }

    [Fact]
    public async Task Send_to_an_address_reaches_the_peer_and_files_under_its_proven_ID()
    {
        var sent = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = BobAddress, text = "hello bob" }));

        Assert.Equal("sent", sent.GetProperty("state").GetString());
        Assert.Equal("secure", sent.GetProperty("protocol").GetString());
        Assert.Equal(BobConversation, sent.GetProperty("conversation").GetString());
        var received = await _bEvents.WaitFor<MessageReceived>(m => m.Text == "hello bob");
        Assert.Equal(_a.Node.Identity.Id, received.PeerId);

        // The acknowledgement turns it to delivered in the stored history.
        await _a.Events.WaitFor<MessageDelivered>();
        var history = await Json.GetAsync(_client, $"/api/conversations/{BobConversation}/messages");
        var message = Assert.Single(history.GetProperty("messages").EnumerateArray());
        Assert.Equal("hello bob", message.GetProperty("text").GetString());
        Assert.True(message.GetProperty("outgoing").GetBoolean());
        Assert.Equal("delivered", message.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_reply_shows_in_the_conversation_list_and_its_history_as_literal_text()
    {
        const string html = "<img src=x onerror=alert(1)><b>bold</b>";
        await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = BobAddress, text = "hi" }));
        await _bEvents.WaitFor<MessageReceived>();

        var reply = await _b.SendAsync(_a.Node.Identity.Id, html);
        Assert.True(reply.Success, reply.Error);
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == html);

        var conversations = await Json.GetAsync(_client, "/api/conversations");
        var bob = Assert.Single(conversations.EnumerateArray(), c => c.GetProperty("id").GetString() == BobConversation);
        Assert.Equal("bob", bob.GetProperty("title").GetString());
        Assert.Equal("peer", bob.GetProperty("kind").GetString());
        Assert.Equal("unverified", bob.GetProperty("security").GetString());
        Assert.True(bob.GetProperty("online").GetBoolean());

        var history = await Json.GetAsync(_client, $"/api/conversations/{Uri.EscapeDataString(BobConversation)}/messages");
        var last = history.GetProperty("messages").EnumerateArray().Last();
        Assert.Equal(html, last.GetProperty("text").GetString());
        Assert.False(last.GetProperty("outgoing").GetBoolean());
        Assert.Equal(_b.Identity.Id.ToString(), last.GetProperty("peerId").GetString());
    }

    [Fact]
    public async Task History_pages_back_oldest_first_within_each_page()
    {
        for (var i = 1; i <= 7; i++)
        {
            var result = await _b.SendAsync(TestNodes.KeyOf(_a.Node), $"message {i}");
            Assert.True(result.Success, result.Error);
        }
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == "message 7");
        var path = $"/api/conversations/{BobConversation}/messages";

        var newest = await Json.GetAsync(_client, $"{path}?limit=3");
        Assert.Equal(["message 5", "message 6", "message 7"], Texts(newest));
        Assert.True(newest.GetProperty("more").GetBoolean());

        var before = newest.GetProperty("messages")[0].GetProperty("seq").GetInt64();
        var older = await Json.GetAsync(_client, $"{path}?limit=3&before={before}");
        Assert.Equal(["message 2", "message 3", "message 4"], Texts(older));

        before = older.GetProperty("messages")[0].GetProperty("seq").GetInt64();
        var oldest = await Json.GetAsync(_client, $"{path}?limit=3&before={before}");
        Assert.Equal(["message 1"], Texts(oldest));
        Assert.False(oldest.GetProperty("more").GetBoolean());
    }

    [Fact]
    public async Task Search_finds_whole_words_in_any_conversation()
    {
        await _b.SendAsync(TestNodes.KeyOf(_a.Node), "the blue whale sings");
        await _b.SendAsync(TestNodes.KeyOf(_a.Node), "a red fox");
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == "a red fox");

        var found = await Json.GetAsync(_client, "/api/search?q=WHALE");

        Assert.Equal("the blue whale sings", Assert.Single(found.EnumerateArray()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task Send_to_a_peer_ID_prefix_and_to_an_offline_peer()
    {
        await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = BobAddress, text = "first" }));
        await _a.Events.WaitFor<MessageDelivered>();

        var byPrefix = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = _b.Identity.Id.Short, text = "by prefix" }));
        Assert.Equal(BobConversation, byPrefix.GetProperty("conversation").GetString());
        await _bEvents.WaitFor<MessageReceived>(m => m.Text == "by prefix");

        await _b.StopAsync();
        await _a.Events.WaitFor<SecurePeerDisconnected>();
        var offline = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = BobConversation, text = "later" }));
        Assert.Equal("queued", offline.GetProperty("state").GetString());
        Assert.Equal(BobConversation, offline.GetProperty("conversation").GetString());
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "")]
    [InlineData("127.0.0.1:5000", "   ")]
    [InlineData("", "text")]
    [InlineData("not an address", "text")]
    [InlineData("127.0.0.1:99999", "text")]
    [InlineData("group:00000000-0000-0000-0000-000000000000", "text")]
    public async Task A_bad_send_says_why_and_sends_nothing(string to, string text)
    {
        using var response = await WebNode.PostAsync(_client, "/api/messages", new { to, text });

        var error = await Json.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error").GetString()));
        Assert.Empty(_bEvents.All<MessageReceived>());
    }

    [Fact]
    public async Task Broadcast_reaches_every_known_peer()
    {
        await using var carol = await TestNodes.StartAsync("carol");
        using var carolEvents = new EventWaiter(carol);
        await _b.SendAsync(TestNodes.KeyOf(_a.Node), "hi from bob");
        await carol.SendAsync(TestNodes.KeyOf(_a.Node), "hi from carol");
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == "hi from carol");
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == "hi from bob");

        var results = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/broadcast", new { text = "to all" }));

        Assert.Equal(2, results.GetArrayLength());
        Assert.All(results.EnumerateArray(), r => Assert.Equal("sent", r.GetProperty("state").GetString()));
        await _bEvents.WaitFor<MessageReceived>(m => m.Text == "to all");
        await carolEvents.WaitFor<MessageReceived>(m => m.Text == "to all");
    }

    private static string[] Texts(System.Text.Json.JsonElement page) =>
        page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!).ToArray();
}
