using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Tests.Conversations;

/// <summary>What a user types, resolved the same way for the command line and the web interface.</summary>
public sealed class RecipientsTests : IDisposable
{
    private readonly TrustStore _trust = TrustStore.InMemory();
    private readonly PeerId _known = PeerId.FromPublicKeyInfo([7, 7, 7]);

    public RecipientsTests() => _trust.RecordContact(_known, "bob", "127.0.0.1:5000", DateTimeOffset.UtcNow);

    public void Dispose() => _trust.Store.Dispose();

    [Fact]
    public void A_unique_prefix_of_a_known_id_names_that_peer()
    {
        Assert.True(Recipients.TryResolvePeerId(_known.Value[..6], _trust, out var id, out _));
        Assert.Equal(_known, id);
    }

    [Fact]
    public void A_prefix_nobody_has_is_refused_with_the_text_given()
    {
        Assert.False(Recipients.TryResolvePeerId("QQQQ", _trust, out _, out var error));
        Assert.Contains("no known peer ID starts with 'QQQQ'", error);
    }

    [Fact]
    public void A_whole_id_with_a_mistyped_last_character_is_refused_as_no_id()
    {
        var typo = _known.Value[..51] + (_known.Value[^1] == 'A' ? 'B' : 'R');
        Assert.False(Recipients.TryResolvePeerId(typo, _trust, out _, out var error));
        Assert.Contains("is not a peer ID: its last character must be A or Q", error);

        // Another character wrong as well: that is no ID's last character's fault.
        Assert.False(Recipients.TryResolvePeerId("1" + typo[1..], _trust, out _, out error));
        Assert.Contains("no known peer ID starts with", error);
    }

    [Theory]
    // Found from outside: two IDs sharing their first group were listed as "(37IQPJY, 37IQPJY)".
    [InlineData("37IQPJYWNEQT2COKD5HFIISC3EJANJSDDFIKXC4TXHLZYGLKZHIQ", "37IQPJYWNEQT2COKD5HFIISC3EJANJSDDFIKXC4TXHLZYGLKZHIA",
        "37IQPJY-WNEQT2C-OKD5HFI-ISC3EJA-NJSDDFI-KXC4TXH-LZYGLKZ-HIQ, 37IQPJY-WNEQT2C-OKD5HFI-ISC3EJA-NJSDDFI-KXC4TXH-LZYGLKZ-HIA")]
    [InlineData("37IQPJYWNEQT2COKD5HFIISC3EJANJSDDFIKXC4TXHLZYGLKZHIQ", "37IQPJYANEQT2COKD5HFIISC3EJANJSDDFIKXC4TXHLZYGLKZHIQ",
        "37IQPJY-WNEQT2C, 37IQPJY-ANEQT2C")]
    [InlineData("37IQPJYWNEQT2COKD5HFIISC3EJANJSDDFIKXC4TXHLZYGLKZHIQ", "37IQPJAWNEQT2COKD5HFIISC3EJANJSDDFIKXC4TXHLZYGLKZHIQ",
        "37IQPJY, 37IQPJA")]
    public void An_ambiguous_prefix_lists_the_ids_as_far_as_they_differ(string first, string second, string listed)
    {
        Assert.True(PeerId.TryParse(first, out var a));
        Assert.True(PeerId.TryParse(second, out var b));
        // Met one after the other: contacts are listed in that order.
        _trust.SetState(a, TrustState.Trusted, DateTimeOffset.UtcNow);
        _trust.SetState(b, TrustState.Trusted, DateTimeOffset.UtcNow.AddSeconds(1));

        Assert.False(Recipients.TryResolvePeerId("37IQ", _trust, out _, out var error));

        Assert.Equal($"'37IQ' matches 2 peers ({listed}); type more of the ID", error);
    }

    [Fact]
    public void A_send_target_is_an_address_a_peer_or_a_group()
    {
        Assert.True(Recipients.TryResolve("127.0.0.1:6000", _trust, out var address, out _));
        Assert.Equal(new PeerKey("127.0.0.1", 6000), address.Address);

        Assert.True(Recipients.TryResolve("legacy:127.0.0.1:6001", _trust, out var legacy, out _));
        Assert.Equal(new PeerKey("127.0.0.1", 6001), legacy.Address);

        Assert.True(Recipients.TryResolve(ConversationId.Peer(_known).ToString(), _trust, out var peer, out _));
        Assert.Equal(_known, peer.Id);

        var group = new Group(Guid.CreateVersion7(), "team", _known, 1, [new GroupMember(_known, null, false)], true);
        _trust.Store.SaveGroup(group, _known);
        Assert.True(Recipients.TryResolve(group.Conversation, _trust, out var inGroup, out _));
        Assert.Equal(group.Id, inGroup.Group!.Id);
    }

    [Theory]
    [InlineData("", "say who to send to")]
    [InlineData("group:00000000-0000-0000-0000-000000000001", "unknown group")]
    [InlineData("nobody", "neither HOST:PORT nor a known peer ID")]
    [InlineData("127.0.0.1:99999", "")]
    public void A_send_target_that_names_nobody_is_refused_with_a_reason(string text, string expected)
    {
        Assert.False(Recipients.TryResolve(text, _trust, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_history_argument_names_the_conversation_under_the_proven_id_when_the_address_is_known()
    {
        Assert.True(Recipients.TryResolveConversation("127.0.0.1:5000", _trust, out var byAddress, out _));
        Assert.Equal(ConversationId.Peer(_known), byAddress);

        Assert.True(Recipients.TryResolveConversation("127.0.0.1:5999", _trust, out var unknown, out _));
        Assert.Equal(ConversationId.Legacy(new PeerKey("127.0.0.1", 5999)), unknown);
    }

    [Fact]
    public void A_history_argument_that_is_a_conversation_id_names_that_conversation_even_at_a_secure_peers_address()
    {
        // An old peer once wrote from the address the proven peer has now: only legacy:HOST:PORT opens that conversation.
        Assert.True(Recipients.TryResolveConversation("legacy:127.0.0.1:5000", _trust, out var legacy, out _));
        Assert.Equal(ConversationId.Legacy(new PeerKey("127.0.0.1", 5000)), legacy);

        Assert.True(Recipients.TryResolveConversation(ConversationId.Peer(_known).ToString(), _trust, out var peer, out _));
        Assert.Equal(ConversationId.Peer(_known), peer);
    }

    [Theory]
    [InlineData("legacy:nowhere", "no conversation is stored under legacy:nowhere, and 'nowhere' has no port (expected HOST:PORT)")]
    [InlineData("legacy:127.0.0.1:80", "no conversation is stored under legacy:127.0.0.1:80, and port 80 is outside 1024-65535")]
    [InlineData("group:00000000-0000-0000-0000-000000000001", "no group has that ID")]
    public void A_history_argument_that_looks_like_a_conversation_id_but_names_none_is_refused(string text, string expected)
    {
        Assert.False(Recipients.TryResolveConversation(text, _trust, out _, out var error));
        Assert.Equal(expected, error);
    }
}
