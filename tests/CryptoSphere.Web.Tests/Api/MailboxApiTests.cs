using System.Net;
using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>
/// Mailboxes through the API, against real nodes: Alice's page; M, a trusted peer that holds Bob's mail; Bob, who
/// goes offline. Where a message waits (outbox, or held by mailbox M), the status <c>mailbox status</c> shows, and
/// the settings <c>mailbox use</c> and <c>mailbox serve</c> change.
/// </summary>
public sealed class MailboxApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = MailboxScene.Wait;
    private WebNode _a = null!;
    private ChatNode _m = null!;
    private readonly NodeIdentity _bobIdentity = NodeIdentity.CreateEphemeral();
    private ChatNode? _bob;
    private int _bobPort;
    private PeerId _bobId;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice");
        _m = await TestNodes.StartAsync("m");
        _bob = await StartBobAsync(ReservedPorts.Take()); // Bob comes back on it later
        _bobId = _bob.Identity.Id;
        _bobPort = _bob.Port;
        _client = await _a.SignedInAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _m.DisposeAsync();
        if (_bob is not null)
            await _bob.DisposeAsync();
        _bobIdentity.Dispose();
    }

    private Task<ChatNode> StartBobAsync(int port) => TestNodes.StartAsync("bob", identity: _bobIdentity,
        configure: o => o with { Port = port, StrictPort = true, OutboxCheckInterval = TimeSpan.FromMilliseconds(100) });

    private async Task BobUsesMAndLeavesAsync()
    {
        await MailboxScene.BobUsesMAndLeavesAsync(_a.Node, _m, _bob!);
        _bob = null;
    }

    private static void AssertHeldByM(JsonElement message)
    {
        var waiting = Assert.Single(message.GetProperty("waiting").EnumerateArray());
        Assert.Equal("bob", waiting.GetProperty("recipient").GetProperty("name").GetString());
        var mailbox = Assert.Single(waiting.GetProperty("heldBy").EnumerateArray());
        Assert.Equal("m", mailbox.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_message_held_by_a_mailbox_says_so_in_the_outbox_and_the_conversation_until_delivered()
    {
        await BobUsesMAndLeavesAsync();

        var sent = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = _bobId.ToString(), text = "for the night shift" }));
        Assert.Equal("queued", sent.GetProperty("state").GetString());
        var id = Guid.Parse(sent.GetProperty("messageId").GetString()!);

        // It is in the outbox at once.
        var outbox = await Json.GetAsync(_client, "/api/outbox");
        var waiting = Assert.Single(outbox.EnumerateArray());
        Assert.Equal("for the night shift", waiting.GetProperty("text").GetString());
        await _a.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == id, Wait);

        AssertHeldByM(Assert.Single((await Json.GetAsync(_client, "/api/outbox")).EnumerateArray()));
        var history = await Json.GetAsync(_client, $"/api/conversations/{sent.GetProperty("conversation").GetString()}/messages");
        AssertHeldByM(Assert.Single(history.GetProperty("messages").EnumerateArray()));

        // Bob comes back where Alice knows him: delivered directly, and it waits nowhere any more.
        _bob = await StartBobAsync(_bobPort);
        await _a.Events.WaitFor<MessageDelivered>(d => d.MessageId == id, Wait);
        Assert.Empty((await Json.GetAsync(_client, "/api/outbox")).EnumerateArray());
        history = await Json.GetAsync(_client, $"/api/conversations/{sent.GetProperty("conversation").GetString()}/messages");
        var delivered = Assert.Single(history.GetProperty("messages").EnumerateArray());
        Assert.Equal("delivered", delivered.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, delivered.GetProperty("waiting").ValueKind);
    }

    [Fact]
    public async Task A_message_for_a_peer_without_mailboxes_waits_in_the_outbox_only()
    {
        MailboxScene.Trust(_a.Node, _bobId, "bob", $"127.0.0.1:{TestNodes.DeadPort()}");
        await _bob!.DisposeAsync();
        _bob = null;

        await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = _bobId.ToString(), text = "no mailbox" }));

        var message = Assert.Single((await Json.GetAsync(_client, "/api/outbox")).EnumerateArray());
        var waiting = Assert.Single(message.GetProperty("waiting").EnumerateArray());
        Assert.Equal(_bobId.ToString(), waiting.GetProperty("recipient").GetProperty("peerId").GetString());
        Assert.Empty(waiting.GetProperty("heldBy").EnumerateArray());
    }

    [Fact]
    public async Task Mailbox_settings_change_through_the_api_and_the_status_shows_the_mailboxes_answer()
    {
        MailboxScene.Trust(_a.Node, _m, "m");
        MailboxScene.Trust(_m, _a.Node, "alice");
        MailboxScene.Trust(_a.Node, _bobId, "bob", null);
        var empty = await Json.GetAsync(_client, "/api/mailboxes");
        Assert.Empty(empty.GetProperty("used").EnumerateArray());
        Assert.Empty(empty.GetProperty("served").EnumerateArray());
        Assert.Equal(MailboxQuota.Default.MaxEnvelopes, empty.GetProperty("defaults").GetProperty("maxEnvelopes").GetInt32());

        var used = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/mailboxes/used", new { peer = _m.Identity.Id.ToString() }));
        Assert.Equal("m", Assert.Single(used.GetProperty("used").EnumerateArray()).GetProperty("mailbox").GetProperty("name").GetString());
        // Alice's node asks M by itself; M's user has not agreed to hold her mail, and the status says so.
        await Eventually.HoldsAsync(() => _a.Node.Mailboxes.Used().Single().LastState is not null, "M answers Alice", Wait);
        var answered = Assert.Single((await Json.GetAsync(_client, "/api/mailboxes")).GetProperty("used").EnumerateArray());
        Assert.Equal("pending", answered.GetProperty("state").GetString());
        Assert.Equal("asked; its user has not agreed yet", answered.GetProperty("status").GetString());

        var served = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/mailboxes/served",
            new { peer = _bobId.ToString(), maxEnvelopes = 50, maxMegabytes = 10, expiryDays = 7 }));
        var bob = Assert.Single(served.GetProperty("served").EnumerateArray());
        Assert.Equal("bob", bob.GetProperty("recipient").GetProperty("name").GetString());
        Assert.Equal("agreed; has not asked yet", bob.GetProperty("status").GetString());
        Assert.Equal(0, bob.GetProperty("heldCount").GetInt32());
        Assert.Equal(new MailboxQuota(50, 10L << 20, TimeSpan.FromDays(7)), Assert.Single(_a.Node.Mailboxes.Served()).Quota);

        await Json.ReadAsync(await WebNode.DeleteAsync(_client, $"/api/mailboxes/used/{_m.Identity.Id}"));
        await Json.ReadAsync(await WebNode.DeleteAsync(_client, $"/api/mailboxes/served/{_bobId}"));
        Assert.Empty(_a.Node.Mailboxes.Used());
        Assert.Empty(_a.Node.Mailboxes.Served());
    }

    [Fact]
    public async Task Bad_mailbox_settings_are_refused_with_a_reason_and_change_nothing()
    {
        MailboxScene.Trust(_a.Node, _bobId, "bob", null);
        using var stranger = NodeIdentity.CreateEphemeral();

        async Task<string> RefusedAsync(string path, object body) =>
            (await Json.ReadAsync(await WebNode.PostAsync(_client, path, body), HttpStatusCode.BadRequest)).GetProperty("error").GetString()!;

        Assert.Contains("at least 1", await RefusedAsync("/api/mailboxes/served", new { peer = _bobId.ToString(), maxEnvelopes = 0 }));
        Assert.Contains("expiry", await RefusedAsync("/api/mailboxes/served", new { peer = _bobId.ToString(), expiryDays = 400 }));
        Assert.Contains("not a trusted contact", await RefusedAsync("/api/mailboxes/served", new { peer = stranger.Id.ToString() }));
        Assert.Contains("not a trusted contact", await RefusedAsync("/api/mailboxes/used", new { peer = stranger.Id.ToString() }));
        Assert.DoesNotContain("mailboxes are in use", await RefusedAsync("/api/mailboxes/used", new { peer = stranger.Id.ToString() }));
        Assert.Contains("is your own ID", await RefusedAsync("/api/mailboxes/used", new { peer = _a.Node.Identity.Id.ToString() }));
        Assert.NotEmpty(await RefusedAsync("/api/mailboxes/used", new { peer = "not an id" }));
        var notUsed = await Json.ReadAsync(await WebNode.DeleteAsync(_client, $"/api/mailboxes/used/{_bobId}"), HttpStatusCode.BadRequest);
        Assert.Contains("not one of your mailboxes", notUsed.GetProperty("error").GetString());

        Assert.Empty(_a.Node.Mailboxes.Used());
        Assert.Empty(_a.Node.Mailboxes.Served());
    }
}
