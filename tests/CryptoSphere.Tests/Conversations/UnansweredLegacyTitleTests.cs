using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Conversations;

/// <summary>
/// A conversation's title is the name its last message carried. One holding only our own messages to an old peer that
/// never wrote back has none: the menu listed it as "1.  (legacy:HOST:PORT), 1 message" (found from outside).
/// </summary>
public sealed class UnansweredLegacyTitleTests
{
    [Fact]
    public async Task A_conversation_with_only_our_messages_to_an_old_peer_is_titled_with_its_address()
    {
        await using var node = await TestNodes.StartAsync("alice");
        var nobody = new PeerKey(TestNodes.Loopback, TestNodes.DeadPort());

        var sent = await node.SendAsync(nobody, "anyone there?");

        Assert.False(sent.Success);
        var conversation = Assert.Single(node.Store.Conversations());
        Assert.Equal(ConversationId.Legacy(nobody).ToString(), conversation.Id);
        Assert.Equal(nobody.ToString(), conversation.Title);
    }
}
