using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Conversations;

/// <summary>Conversation IDs: the text the database, the outbox and the web API carry, parsed back to what it names.</summary>
public class ConversationIdTests
{
    private static readonly PeerId Peer = PeerId.FromPublicKeyInfo([1, 2, 3]);

    [Fact]
    public void A_peer_conversation_is_written_with_the_ungrouped_id_and_parses_back_to_it()
    {
        var id = ConversationId.Peer(Peer);

        Assert.Equal("peer:" + Peer.Value, id.ToString());
        var parsed = ConversationId.Parse(id.ToString());
        Assert.Equal(ConversationKind.Peer, parsed.Kind);
        Assert.Equal(Peer, parsed.PeerId);
        Assert.Null(parsed.GroupId);
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void TextOf_a_peer_is_its_conversation_written_out_made_once_and_bounded()
    {
        var text = ConversationId.TextOf(Peer);

        Assert.Equal(ConversationId.Peer(Peer).ToString(), text);
        Assert.Same(text, ConversationId.TextOf(Peer));
        // A flood of new IDs (a stranger per connection) only empties the cache; every answer stays right.
        for (var i = 0; i < 5_000; i++)
        {
            var other = PeerId.FromPublicKeyInfo(BitConverter.GetBytes(i));
            Assert.Equal(ConversationId.Peer(other).ToString(), ConversationId.TextOf(other));
        }
        Assert.Equal(ConversationId.Peer(Peer).ToString(), ConversationId.TextOf(Peer));
    }

    [Fact]
    public void A_legacy_conversation_keeps_the_address_as_written()
    {
        var address = new PeerKey("10.0.0.7", 5001);

        var id = ConversationId.Legacy(address);

        Assert.Equal("legacy:10.0.0.7:5001", id.ToString());
        Assert.Equal(address, ConversationId.Parse("legacy:10.0.0.7:5001").Address);
        Assert.Equal(new PeerKey("::1", 5001), ConversationId.Parse("legacy:[::1]:5001").Address);
        Assert.Null(id.PeerId);
    }

    [Fact]
    public void A_group_conversation_parses_to_its_group_id()
    {
        var group = Guid.CreateVersion7();

        var id = ConversationId.Group(group);

        Assert.Equal("group:" + group, id.ToString());
        Assert.True(ConversationId.IsGroup(id.ToString()));
        Assert.Equal(group, ConversationId.Parse(id.ToString()).GroupId);
    }

    [Fact]
    public void Of_names_the_peer_when_its_id_is_known_and_the_address_otherwise()
    {
        var address = new PeerKey("127.0.0.1", 5000);

        Assert.Equal(ConversationId.Peer(Peer), ConversationId.Of(Peer, address));
        Assert.Equal(ConversationId.Legacy(address), ConversationId.Of(null, address));
    }

    [Theory]
    [InlineData("")]
    [InlineData("peer:")]
    [InlineData("peer:NOTANID")]
    [InlineData("group:not-a-guid")]
    [InlineData("legacy:")]
    [InlineData("chat:127.0.0.1:5000")]
    [InlineData("127.0.0.1:5000")]
    public void Text_that_names_no_conversation_is_refused(string text)
    {
        Assert.False(ConversationId.TryParse(text, out _));
        var error = Assert.Throws<FormatException>(() => ConversationId.Parse(text));
        Assert.Contains("not a conversation", error.Message);
    }

    [Theory]
    [InlineData("legacy:127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("peer:ABC", "ABC")]
    [InlineData("ABC", "ABC")]
    [InlineData("group:x", "group:x")]
    public void WithoutPeerPrefix_strips_only_the_peer_and_legacy_prefixes(string text, string expected) =>
        Assert.Equal(expected, ConversationId.WithoutPeerPrefix(text));
}
