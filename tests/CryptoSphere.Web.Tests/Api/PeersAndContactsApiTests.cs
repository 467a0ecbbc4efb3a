using System.Net;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>Peers, contacts and trust, groups, and the identity page through the API.</summary>
public sealed class PeersAndContactsApiTests : IAsyncLifetime
{
    private WebNode _a = null!;
    private ChatNode _b = null!;
    private EventWaiter _bEvents = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice", o => o with { Accept = AcceptPolicy.Trusted });
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

    [Fact]
    public async Task Peers_show_name_short_ID_protocol_and_verification()
    {
        await _b.SendAsync(TestNodes.KeyOf(_a.Node), "knock knock");
        await _a.Events.WaitFor<ContactRequestReceived>();

        var peers = await Json.GetAsync(_client, "/api/peers");
        var bob = Assert.Single(peers.EnumerateArray());
        Assert.Equal("bob", bob.GetProperty("name").GetString());
        Assert.Equal(_b.Identity.Id.Short, bob.GetProperty("short").GetString());
        Assert.Equal("secure", bob.GetProperty("protocol").GetString());
        Assert.Equal("LAN", bob.GetProperty("reach").GetString()); // 127.0.0.1: this machine
        Assert.Equal("unverified", bob.GetProperty("security").GetString());
        Assert.True(bob.GetProperty("connected").GetBoolean());
        Assert.True(bob.TryGetProperty("lastSeen", out _));

        await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/contacts/{_b.Identity.Id.Short}/trust"));

        peers = await Json.GetAsync(_client, "/api/peers");
        Assert.Equal("verified", Assert.Single(peers.EnumerateArray()).GetProperty("security").GetString());
    }

    [Fact]
    public async Task A_contact_request_waits_until_accepted_then_its_messages_are_shown()
    {
        await _b.SendAsync(TestNodes.KeyOf(_a.Node), "may I?");
        await _a.Events.WaitFor<ContactRequestReceived>();

        var contacts = await Json.GetAsync(_client, "/api/contacts");
        var request = Assert.Single(contacts.GetProperty("requests").EnumerateArray());
        Assert.Equal(_b.Identity.Id.ToString(), request.GetProperty("peerId").GetString());
        Assert.Equal(["may I?"], request.GetProperty("messages").EnumerateArray().Select(m => m.GetString()!).ToArray());
        Assert.Empty(_a.Events.All<MessageReceived>());

        var trusted = await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/contacts/{_b.Identity.Id}/trust"));

        Assert.Equal("verified", trusted.GetProperty("trust").GetString());
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == "may I?");
        Assert.Empty((await Json.GetAsync(_client, "/api/contacts")).GetProperty("requests").EnumerateArray());
    }

    [Fact]
    public async Task Reject_drops_a_request_and_block_unblock_set_the_trust_state()
    {
        await _b.SendAsync(TestNodes.KeyOf(_a.Node), "spam");
        await _a.Events.WaitFor<ContactRequestReceived>();
        var id = _b.Identity.Id;

        await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/contacts/{id.Short}/reject"));
        Assert.Empty(_a.Node.ContactRequests);
        await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/contacts/{id.Short}/reject"), HttpStatusCode.NotFound);

        var blocked = await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/contacts/{id.Short}/block"));
        Assert.Equal("blocked", blocked.GetProperty("trust").GetString());
        Assert.Equal(TrustState.Blocked, _a.Node.Trust.StateOf(id));
        Assert.Empty((await Json.GetAsync(_client, "/api/peers")).EnumerateArray());

        var unblocked = await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/contacts/{id.Short}/unblock"));
        Assert.Equal("unverified", unblocked.GetProperty("trust").GetString());
        Assert.Equal(TrustState.Unknown, _a.Node.Trust.StateOf(id));
    }

    [Fact]
    public async Task Removing_a_peer_takes_it_off_the_list()
    {
        await _b.SendAsync(TestNodes.KeyOf(_a.Node), "hi");
        await _a.Events.WaitFor<ContactRequestReceived>();
        var address = Assert.Single(_a.Node.Peers.Snapshot()).Key.ToString();

        await Json.ReadAsync(await WebNode.DeleteAsync(_client, $"/api/peers/{Uri.EscapeDataString(address)}"));

        Assert.Empty((await Json.GetAsync(_client, "/api/peers")).EnumerateArray());
        await Json.ReadAsync(await WebNode.DeleteAsync(_client, $"/api/peers/{Uri.EscapeDataString(address)}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_group_is_created_a_member_added_and_a_message_reaches_it()
    {
        // Bob must be known (and trusted, for the group's messages back) before he can be added by ID.
        await _b.SendAsync(TestNodes.KeyOf(_a.Node), "hi");
        await _a.Events.WaitFor<ContactRequestReceived>();
        await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/contacts/{_b.Identity.Id.Short}/trust"));

        var group = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/groups", new { name = "team" }));
        var groupId = group.GetProperty("id").GetString();
        Assert.True(group.GetProperty("isAdmin").GetBoolean());

        var changed = await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/groups/{groupId}/members", new { peer = _b.Identity.Id.Short }));
        Assert.Equal(2, changed.GetProperty("members").GetArrayLength());
        await _bEvents.WaitFor<GroupChanged>(g => g.Group.IsMember);

        var conversation = group.GetProperty("conversation").GetString();
        var sent = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/messages", new { to = conversation, text = "hello team" }));
        Assert.Equal(conversation, sent.GetProperty("conversation").GetString());
        var received = await _bEvents.WaitFor<GroupMessageReceived>();
        Assert.Equal("hello team", received.Text);

        var list = await Json.GetAsync(_client, "/api/conversations");
        Assert.Contains(list.EnumerateArray(), c => c.GetProperty("id").GetString() == conversation && c.GetProperty("title").GetString() == "team");

        await Json.ReadAsync(await WebNode.DeleteAsync(_client, $"/api/groups/{groupId}/members/{_b.Identity.Id.Short}"));
        var groups = await Json.GetAsync(_client, "/api/groups");
        Assert.Equal(1, Assert.Single(groups.EnumerateArray()).GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task Bad_group_requests_say_why()
    {
        await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/groups", new { name = " " }), HttpStatusCode.BadRequest);
        await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/groups/{Guid.NewGuid()}/members", new { peer = _b.Identity.Id.ToString() }),
            HttpStatusCode.NotFound);
        await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/groups/{Guid.NewGuid()}/leave"), HttpStatusCode.NotFound);

        // Names are unique per admin; adding a member twice changes nothing and says so.
        var group = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/groups", new { name = "crew" }));
        var twin = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/groups", new { name = "Crew" }), HttpStatusCode.BadRequest);
        Assert.Contains("you already have a group called crew", twin.GetProperty("error").GetString());
        var members = $"/api/groups/{group.GetProperty("id").GetString()}/members";
        var added = await Json.ReadAsync(await WebNode.PostAsync(_client, members, new { peer = _b.Identity.Id.ToString() }));
        Assert.False(added.GetProperty("unchanged").GetBoolean());
        var again = await Json.ReadAsync(await WebNode.PostAsync(_client, members, new { peer = _b.Identity.Id.ToString() }));
        Assert.True(again.GetProperty("unchanged").GetBoolean());
        Assert.Equal(added.GetProperty("version").GetInt64(), again.GetProperty("version").GetInt64());

        // Leaving twice: the second time nothing changes, and the answer says so (as the command line does).
        var leave = $"/api/groups/{group.GetProperty("id").GetString()}/leave";
        Assert.False((await Json.ReadAsync(await WebNode.PostAsync(_client, leave))).GetProperty("unchanged").GetBoolean());
        Assert.True((await Json.ReadAsync(await WebNode.PostAsync(_client, leave))).GetProperty("unchanged").GetBoolean());
    }

    [Fact]
    public async Task The_identity_page_has_the_ID_and_its_QR_code()
    {
        var me = await Json.GetAsync(_client, "/api/me");
        Assert.Equal(_a.Node.Identity.Id.ToString(), me.GetProperty("peerId").GetString());
        Assert.Equal($"127.0.0.1:{_a.Node.Port}", me.GetProperty("address").GetString());
        Assert.Equal(_a.Url.ToString(), me.GetProperty("web").GetProperty("local").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, me.GetProperty("web").GetProperty("network").ValueKind);

        using var qr = await _client.GetAsync("/api/me/qr.png");
        Assert.Equal(HttpStatusCode.OK, qr.StatusCode);
        Assert.Equal("image/png", qr.Content.Headers.ContentType!.MediaType);
        var png = await qr.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        // Loopback only: there is no network link to show a phone.
        using var link = await _client.GetAsync("/api/me/link-qr.png");
        Assert.Equal(HttpStatusCode.NotFound, link.StatusCode);
    }
}
