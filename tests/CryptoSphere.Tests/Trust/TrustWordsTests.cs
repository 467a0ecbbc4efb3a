using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Tests.Trust;

/// <summary>The trust words every interface shows, and the look-alike check on a first contact.</summary>
public sealed class TrustWordsTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly TrustStore _trust = TrustStore.InMemory();

    public void Dispose() => _trust.Store.Dispose();

    private static PeerId Id(string seed) => PeerId.FromPublicKeyInfo(Encoding.UTF8.GetBytes(seed));

    private PeerId Contact(string seed, string name, string address, TrustState state)
    {
        var id = Id(seed);
        _trust.RecordContact(id, name, address, T0);
        _trust.SetState(id, state, T0);
        return id;
    }

    [Theory]
    [InlineData(TrustState.Trusted, "verified")]
    [InlineData(TrustState.Blocked, "blocked")]
    [InlineData(TrustState.Unknown, "unverified")]
    public void Of_names_each_state(TrustState state, string expected)
    {
        Assert.Equal(expected, TrustLabels.Of(state));
    }

    [Fact]
    public void Security_says_unencrypted_for_legacy_and_the_short_id_and_state_for_secure()
    {
        var trusted = Contact("bob", "bob", "10.0.0.2:4000", TrustState.Trusted);
        var stranger = Id("stranger");

        Assert.Equal("unencrypted, unverified", TrustLabels.Security(null, _trust));
        Assert.Equal($"{trusted.Short}, verified", TrustLabels.Security(trusted, _trust));
        Assert.Equal($"{stranger.Short}, unverified", TrustLabels.Security(stranger, _trust));
        Assert.Equal($"{trusted.Short}, unverified", TrustLabels.Security(trusted, null));
    }

    [Theory]
    [InlineData("Bob", "10.9.9.9:1")]
    [InlineData(" BOB ", "10.9.9.9:1")]
    [InlineData("mallory", "10.0.0.2:4000")]
    [InlineData("", "10.0.0.2:4000")]
    public void A_newcomer_with_a_trusted_peers_name_or_address_is_a_lookalike(string name, string address)
    {
        var bob = Contact("bob", "Bob ", "10.0.0.2:4000", TrustState.Trusted);

        Assert.Equal(bob, Lookalike.Of(_trust, Id("newcomer"), name, address)?.Id);
    }

    [Fact]
    public void No_lookalike_for_the_peer_itself_an_untrusted_namesake_an_empty_name_or_a_stranger()
    {
        var bob = Contact("bob", "Bob", "10.0.0.2:4000", TrustState.Trusted);
        Contact("eve", "Eve", "10.0.0.3:4000", TrustState.Unknown);
        Contact("blocked", "Carol", "10.0.0.4:4000", TrustState.Blocked);
        Contact("nameless", "", "10.0.0.5:4000", TrustState.Trusted);

        Assert.Null(Lookalike.Of(_trust, bob, "Bob", "10.0.0.2:4000"));
        Assert.Null(Lookalike.Of(_trust, Id("newcomer"), "eve", "10.0.0.3:4000"));
        Assert.Null(Lookalike.Of(_trust, Id("newcomer"), "carol", "10.0.0.4:4000"));
        Assert.Null(Lookalike.Of(_trust, Id("newcomer"), "", "10.9.9.9:1"));
        Assert.Null(Lookalike.Of(_trust, Id("newcomer"), "dave", "10.9.9.9:1"));
    }

    [Fact]
    public void Contacts_are_found_by_their_last_address_and_device_id_and_nothing_else_is()
    {
        var eve = Contact("eve", "Eve", "10.0.0.3:4000", TrustState.Unknown);
        var bob = Contact("bob", "Bob", "10.0.0.2:4000", TrustState.Trusted);
        var device = Core.Identity.SyncthingDeviceId.FromCertificateDer([1, 2, 3]);
        _trust.RecordDeviceId(bob, device, T0);

        Assert.Equal(eve, _trust.FindByAddress("10.0.0.3:4000")?.Id);
        Assert.Null(_trust.FindTrustedByAddress("10.0.0.3:4000"));
        Assert.Equal(bob, _trust.FindTrustedByAddress("10.0.0.2:4000")?.Id);
        Assert.Null(_trust.FindByAddress("10.9.9.9:1"));
        Assert.Equal(bob, _trust.FindByDeviceId(device)?.Id);
        Assert.Null(_trust.FindByDeviceId(Core.Identity.SyncthingDeviceId.FromCertificateDer([9])));
    }
}
