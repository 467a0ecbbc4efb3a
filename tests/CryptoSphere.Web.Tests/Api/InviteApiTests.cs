using System.Xml.Linq;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Api;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>The Me page's invite link and its QR code (issue 15 item 5).</summary>
public sealed class InviteApiTests : IAsyncLifetime
{
    private WebNode _a = null!;
    private string _relay = "";
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        // A relay nobody runs (a closed port here): the link must carry it whether or not it is joined.
        using (var relayIdentity = NodeIdentity.CreateEphemeral())
            _relay = $"relay://127.0.0.1:{TestNodes.DeadPort()}/?id={SyncthingDeviceId.FromCertificate(relayIdentity.Certificate)}";
        _a = await WebNode.StartAsync("alice", o => o with { AcrossNetworks = new AcrossNetworksOptions(RelayUrl.Parse(_relay)) });
        _client = await _a.SignedInAsync();
    }

    public async Task DisposeAsync() => await _a.DisposeAsync();

    [Fact]
    public async Task Me_carries_the_invite_link_with_the_IDs_address_and_relay()
    {
        var me = await Json.GetAsync(_client, "/api/me");

        var text = me.GetProperty("invite").GetString();
        Assert.True(InviteLink.TryParse(text, out var link, out var error), error);
        Assert.Equal(_a.Node.Identity.Id, link!.Id);
        Assert.Equal(_a.Node.DeviceId, link.Device);
        Assert.Equal("alice", link.Name);
        Assert.Equal($"{_a.Node.AdvertisedIp}:{_a.Node.Port}", Assert.Single(link.Addresses).ToString());
        Assert.Equal(RelayUrl.Parse(_relay), link.Relay);
    }

    [Fact]
    public async Task The_invite_QR_code_is_an_SVG_of_the_same_link_served_under_the_content_security_policy()
    {
        var invite = (await Json.GetAsync(_client, "/api/me")).GetProperty("invite").GetString()!;

        using var response = await _client.GetAsync("/api/me/invite-qr.svg");

        response.EnsureSuccessStatusCode();
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        var svg = await response.Content.ReadAsStringAsync();
        var root = XDocument.Parse(svg).Root!;
        Assert.Equal("svg", root.Name.LocalName);
        Assert.DoesNotContain(root.Descendants(), e => e.Name.LocalName is "script" or "image" or "foreignObject");
        Assert.Equal(QrCodes.Svg(invite), svg);
        // A different text gives a different code: the comparison above can fail.
        Assert.NotEqual(QrCodes.Svg(invite + "x"), svg);
    }

    [Fact]
    public async Task Adding_an_invite_link_makes_the_contact_with_its_device_and_relay_trusted_only_when_asked()
    {
        using var bob = NodeIdentity.CreateEphemeral();
        var relay = RelayUrl.Parse(_relay);
        var link = new InviteLink(bob.Id, SyncthingDeviceId.FromCertificate(bob.Certificate), "bob",
            [new Core.Peers.PeerKey("192.0.2.4", 5000)], relay).ToString();

        var added = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/contacts/invite", new { link, trust = false }));

        Assert.Equal(bob.Id.ToString(), added.GetProperty("peerId").GetString());
        Assert.Equal("unverified", added.GetProperty("trust").GetString());
        var contact = _a.Node.Trust.Find(bob.Id)!;
        Assert.Equal(SyncthingDeviceId.FromCertificate(bob.Certificate), contact.DeviceId);
        Assert.Equal(relay, contact.Relay);
        Assert.Equal("192.0.2.4:5000", contact.LastAddress);

        var trusted = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/contacts/invite", new { link, trust = true }));
        Assert.Equal("verified", trusted.GetProperty("trust").GetString());
    }

    [Fact]
    public async Task A_bad_or_own_invite_link_is_a_400_with_the_reason_and_adds_nothing()
    {
        var before = _a.Node.Trust.All().Count;

        using var bad = await WebNode.PostAsync(_client, "/api/contacts/invite", new { link = "cryptosphere:invite?id=nope", trust = true });
        using var own = await WebNode.PostAsync(_client, "/api/contacts/invite", new { link = _a.Node.Invite.ToString(), trust = true });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("no valid id", await bad.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, own.StatusCode);
        Assert.Contains("your own invite link", await own.Content.ReadAsStringAsync());
        Assert.Equal(before, _a.Node.Trust.All().Count);
    }
}
