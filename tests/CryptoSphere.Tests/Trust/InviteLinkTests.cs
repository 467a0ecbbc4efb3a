using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Tests.Trust;

/// <summary>Invite links: what someone on another network needs to reach a node, parsed strictly.</summary>
public class InviteLinkTests
{
    private const string RelayText = "relay://203.0.113.5:22067/?id=P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";

    private static InviteLink Sample(NodeIdentity identity, string name = "bob & co") =>
        new(identity.Id, SyncthingDeviceId.FromCertificate(identity.Certificate), name,
            [new PeerKey("192.168.1.20", 5000), new PeerKey("fe80::1", 5000)], RelayUrl.Parse(RelayText));

    [Fact]
    public void ALink_ReadsBackAsWritten()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var link = Sample(identity);

        Assert.StartsWith(InviteLink.Prefix, link.ToString());
        Assert.True(InviteLink.TryParse(link.ToString(), out var parsed, out var error), error);
        Assert.Equal(link.Id, parsed!.Id);
        Assert.Equal(link.Device, parsed.Device);
        Assert.Equal("bob & co", parsed.Name);
        Assert.Equal(link.Addresses, parsed.Addresses);
        Assert.Equal(RelayText, parsed.Relay!.ToString());
    }

    [Theory]
    [InlineData("https://example.org/?id=x", "not an invite link: it must start with cryptosphere:invite?")]
    [InlineData("cryptosphere:invite?device=P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2", "no valid id")]
    public void ABadLink_IsRefusedWithTheReason(string text, string expected)
    {
        Assert.False(InviteLink.TryParse(text, out var link, out var error));
        Assert.Null(link);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("bad host!")]
    [InlineData("a/b")]
    public void ALinkWhoseAddressIsNoHost_IsRefused(string host)
    {
        // Found from outside: 'bad host!:43001' was stored over a contact's good address.
        using var identity = NodeIdentity.CreateEphemeral();
        var link = Sample(identity) with { Addresses = [new PeerKey(host, 43001)] };

        Assert.False(InviteLink.TryParse(link.ToString(), out _, out var error));
        Assert.Equal($"the invite link has a bad address: '{host}' is not an IP address or host name", error);
        Assert.True(InviteLink.TryParse((link with { Addresses = [new PeerKey("bob.example.org", 5000)] }).ToString(), out _, out error), error);
    }

    [Fact]
    public void ALinkWithAWrongCheckCharacterInTheDeviceId_IsRefused()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var text = Sample(identity).ToString();
        var device = SyncthingDeviceId.FromCertificate(identity.Certificate).ToString();
        var last = device[^1];
        var broken = text.Replace(device, device[..^1] + (last == 'A' ? 'B' : 'A'));

        Assert.False(InviteLink.TryParse(broken, out _, out var error));
        Assert.Contains("device", error);
    }

    [Fact]
    public void ControlCharactersInTheName_NeverReachTheStore()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var text = Sample(identity, "evil\u001b[2Jname").ToString();

        Assert.True(InviteLink.TryParse(text, out var link, out _));
        Assert.Equal("evil[2Jname", link!.Name);
    }

    [Fact]
    public void Adding_StoresBothIdsAndTheRelay_AndTrustsOnlyWhenAsked()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var link = Sample(identity);
        var trust = TrustStore.InMemory();

        link.AddTo(trust, trusted: false, DateTimeOffset.UtcNow);

        var contact = trust.Find(identity.Id)!;
        Assert.Equal(TrustState.Unknown, contact.State);
        Assert.Equal(link.Device, contact.DeviceId);
        Assert.Equal(RelayText, contact.Relay!.ToString());
        Assert.Equal("192.168.1.20:5000", contact.LastAddress);
        Assert.Equal(identity.Id, trust.FindByDeviceId(link.Device)!.Id);
        link.AddTo(trust, trusted: true, DateTimeOffset.UtcNow);
        Assert.Equal(TrustState.Trusted, trust.StateOf(identity.Id));
    }

    [Theory]
    [InlineData(TrustState.Trusted)]
    [InlineData(TrustState.Blocked)]
    public void A_link_from_anyone_leaves_a_trusted_or_blocked_contact_as_it_was(TrustState state)
    {
        // Found from outside: any link that reused a known ID renamed the contact, a verified "Bob" included.
        using var identity = NodeIdentity.CreateEphemeral();
        var trust = TrustStore.InMemory();
        Sample(identity, "bob").AddTo(trust, trusted: false, DateTimeOffset.UtcNow);
        trust.SetState(identity.Id, state, DateTimeOffset.UtcNow);
        var forged = Sample(identity, "mallory") with { Addresses = [new PeerKey("198.51.100.6", 6000)], Relay = null };

        var before = forged.AddTo(trust, trusted: true, DateTimeOffset.UtcNow);

        Assert.Equal(("bob", state), (before!.Name, before.State));
        var after = trust.Find(identity.Id)!;
        Assert.Equal(("bob", state, "192.168.1.20:5000"), (after.Name, after.State, after.LastAddress));
        Assert.Equal(RelayText, after.Relay!.ToString());
    }

    [Fact]
    public void A_link_for_an_unverified_contact_updates_it_and_keeps_its_name_when_the_link_has_none()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var trust = TrustStore.InMemory();
        Assert.Null(Sample(identity, "bob").AddTo(trust, trusted: false, DateTimeOffset.UtcNow));

        var before = (Sample(identity, "") with { Addresses = [new PeerKey("198.51.100.6", 6000)] }).AddTo(trust, trusted: false, DateTimeOffset.UtcNow);

        Assert.Equal(TrustState.Unknown, before!.State);
        var after = trust.Find(identity.Id)!;
        Assert.Equal(("bob", "198.51.100.6:6000"), (after.Name, after.LastAddress));
    }
}
