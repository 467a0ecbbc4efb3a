using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// A group message is delivered when every member has it: each member's ACK settles only that member's
/// copy. The members are hand-driven TLS peers, so the test decides who acknowledges and when.
/// </summary>
public sealed class GroupDeliveryTests
{
    private static async Task<GroupChatMessage> ReadGroupMessageAsync(RawSecurePeer member)
    {
        var (body, _) = await member.ReadUntilAsync(FrameType.GroupMessage);
        return GroupChatMessage.Decode(new(body));
    }

    [Fact]
    public async Task A_group_message_is_delivered_on_the_last_members_ack_not_the_first()
    {
        var events = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", events);
        await using var bob = await RawSecurePeer.GreetAsync(alice, "bob");
        await using var carol = await RawSecurePeer.GreetAsync(alice, "carol");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Id);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == carol.Id);
        var group = alice.CreateGroup("team").Value!;
        await alice.AddMemberAsync(group.Id, bob.Id);
        group = (await alice.AddMemberAsync(group.Id, carol.Id)).Value!;

        var sent = await alice.SendToGroupAsync(group.Id, "to both");
        Assert.Equal(2, sent.SentNow);
        Assert.Equal(sent.MessageId, (await ReadGroupMessageAsync(bob)).Id);
        Assert.Equal(sent.MessageId, (await ReadGroupMessageAsync(carol)).Id);
        StoredMessage Stored() => alice.Store.History(group.Conversation, 10).Single(m => m.Id == sent.MessageId);

        await bob.SendAckAsync(sent.MessageId);
        await events.WaitFor<MessageDelivered>(d => d.MessageId == sent.MessageId && d.PeerId == bob.Id);
        Assert.Equal(MessageState.Sent, Stored().State);
        var waiting = Assert.Single(alice.Store.Outbox(), r => r.Message.Id == sent.MessageId);
        Assert.Equal(0, alice.Store.OutboxCount("peer:" + bob.Id.Value));
        Assert.Equal(1, alice.Store.OutboxCount(waiting.Target));

        await carol.SendAckAsync(sent.MessageId);
        await events.WaitFor<MessageDelivered>(d => d.MessageId == sent.MessageId && d.PeerId == carol.Id);
        Assert.Equal(MessageState.Delivered, Stored().State);
        Assert.DoesNotContain(alice.Store.Outbox(), r => r.Message.Id == sent.MessageId);
    }
}
