using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// A member must know a group before its first message arrives, or it does not take the message. The admin's node
/// pushes a change made by another process (the `group` command on its data directory) only at its outbox passes:
/// a group send right after `group add` must push it itself, ahead of the message. Found from outside: the new
/// member refused the message ("a group this node is not in") and it stayed unacknowledged until a reconnect.
/// </summary>
public sealed class GroupStateOrderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_member_added_by_another_process_gets_the_groups_state_before_its_first_message()
    {
        // No pass pushes the change meanwhile on its own: only the send can have put the state ahead of the message.
        await using var alice = await StoredNode.StartAsync("alice", _dir.Path,
            configure: o => o with { OutboxCheckInterval = TimeSpan.FromMinutes(10), IdleCheckInterval = TimeSpan.FromMinutes(10) });
        await using var bob = await RawSecurePeer.GreetAsync(alice.Node, "bob");
        await alice.Events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Id);
        // `group create` then `group add` on alice's data directory, as the command does while her node runs.
        var me = alice.Identity.Id;
        var group = new Group(Guid.CreateVersion7(), "team", me, 2, [new GroupMember(me, null, false), new GroupMember(bob.Id, null, false)], true);
        using (var elsewhere = ChatStore.Open(_dir.Path))
            Assert.True(elsewhere.SaveGroup(group, me));

        var sent = await alice.Node.SendToGroupAsync(group.Id, "first words");

        Assert.True(sent.Success, sent.Error);
        var (body, before) = await bob.ReadUntilAsync(FrameType.GroupMessage);
        Assert.Equal(sent.MessageId, GroupChatMessage.Decode(new(body)).Id);
        Assert.Contains(FrameType.GroupState, before);
    }

    [Fact]
    public async Task A_member_added_by_another_process_takes_the_first_message_at_once()
    {
        await using var carol = await StoredNode.StartAsync("carol", _dir.Path,
            configure: o => o with { OutboxCheckInterval = TimeSpan.FromMinutes(10), IdleCheckInterval = TimeSpan.FromMinutes(10) });
        var events = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", events);
        var hello = await carol.Node.SendAsync(TestNodes.KeyOf(alice), "hello");
        await carol.Events.WaitFor<MessageDelivered>(d => d.MessageId == hello.MessageId);
        var me = carol.Identity.Id;
        var group = new Group(Guid.CreateVersion7(), "g3", me, 2, [new GroupMember(me, null, false), new GroupMember(alice.Identity.Id, null, false)], true);
        using (var elsewhere = ChatStore.Open(_dir.Path))
            Assert.True(elsewhere.SaveGroup(group, me));

        var sent = await carol.Node.SendToGroupAsync(group.Id, "g3 first msg");

        await events.WaitFor<GroupMessageReceived>(m => m.MessageId == sent.MessageId, TimeSpan.FromSeconds(20));
        await carol.Events.WaitFor<MessageDelivered>(d => d.MessageId == sent.MessageId, TimeSpan.FromSeconds(20));
    }
}
