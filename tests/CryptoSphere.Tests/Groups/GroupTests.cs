using System.Buffers;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>Group chat between real nodes: membership from the admin only, offline members catch up, order is shared.</summary>
public sealed class GroupTests : IDisposable
{
    private readonly TempDirectory _carolDir = new();

    public void Dispose() => _carolDir.Dispose();

    internal static Func<NodeOptions, NodeOptions> Fast => o => o with
    {
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
        OutboxCheckInterval = TimeSpan.FromMilliseconds(100),
    };

    private static Func<NodeOptions, NodeOptions> Carol(int port = 0) => o => Fast(o) with { Port = port, StrictPort = port != 0 };

    /// <summary>Alice (admin), Bob and Carol, all connected, in one group.</summary>
    internal static async Task<Group> FormGroupAsync(ChatNode alice, EventWaiter aliceEvents, params (ChatNode Node, EventWaiter Events)[] members)
    {
        var group = alice.CreateGroup("team").Value!;
        foreach (var (node, events) in members)
        {
            Assert.True((await node.SendAsync(TestNodes.KeyOf(alice), "hello admin")).Success);
            await aliceEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == node.Identity.Id);
            group = (await alice.AddMemberAsync(group.Id, node.Identity.Id)).Value!;
        }
        foreach (var (_, events) in members)
            await events.WaitFor<GroupChanged>(g => g.Group.Id == group.Id && g.Group.Version == group.Version);
        return group;
    }

    [Fact]
    public async Task A_member_offline_during_two_messages_gets_both_once_and_in_order_when_it_returns()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        var carolEvents = new EventWaiter();
        using var carolIdentity = NodeIdentity.LoadOrCreate(_carolDir.Path);
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, Fast);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, Fast);
        var carolStore = ChatStore.Open(_carolDir.Path);
        var carol = await TestNodes.StartAsync("carol", carolEvents, Carol(ReservedPorts.Take()), carolIdentity, carolStore);
        var carolPort = carol.Port;
        var group = await FormGroupAsync(alice, aliceEvents, (bob, bobEvents), (carol, carolEvents));

        await carol.DisposeAsync();
        carolStore.Dispose();
        var first = await alice.SendToGroupAsync(group.Id, "first while carol is away");
        // Bob answers after reading it, so his message comes after it in every member's order.
        await bobEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == first.MessageId);
        var second = await bob.SendToGroupAsync(group.Id, "second while carol is away");
        Assert.True(second.Lamport > first.Lamport);

        var backEvents = new EventWaiter();
        using var backStore = ChatStore.Open(_carolDir.Path);
        await using var back = await TestNodes.StartAsync("carol", backEvents, Carol(carolPort), carolIdentity, backStore);

        var got1 = await backEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == first.MessageId, TimeSpan.FromSeconds(20));
        var got2 = await backEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == second.MessageId, TimeSpan.FromSeconds(20));
        Assert.Equal("first while carol is away", got1.Text);
        Assert.Equal(bob.Identity.Id, got2.Author);
        await aliceEvents.WaitFor<MessageDelivered>(d => d.MessageId == first.MessageId && d.PeerId == carolIdentity.Id);
        await bobEvents.WaitFor<MessageDelivered>(d => d.MessageId == second.MessageId && d.PeerId == carolIdentity.Id);

        // Once each, and in the same (Lamport) order as everyone else.
        var history = backStore.History(group.Conversation, 50).Select(m => m.Text).ToList();
        Assert.Equal(["first while carol is away", "second while carol is away"], history);
        Assert.Single(backEvents.All<GroupMessageReceived>(), m => m.MessageId == first.MessageId);
    }

    [Fact]
    public async Task A_membership_change_from_a_non_admin_is_refused()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, Fast);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, Fast);
        var group = await FormGroupAsync(alice, aliceEvents, (bob, bobEvents));

        var notAdmin = await bob.AddMemberAsync(group.Id, NodeIdentity.CreateEphemeral().Id);
        Assert.Equal(GroupFailure.NotAllowed, notAdmin.Failure);
        Assert.Contains("only the group's admin (alice)", notAdmin.Error);
        Assert.Equal(group.Version, bob.Store.FindGroup(group.Id)!.Version);

        // Bob forges a newer state over the wire; Alice keeps hers.
        using var mallory = NodeIdentity.CreateEphemeral();
        var forged = group with { Version = group.Version + 5, Members = [.. group.Members, new GroupMember(mallory.Id, null, false)] };
        var session = Assert.Single(bob.ConnectedPeerIds, id => id == alice.Identity.Id);
        await bob.SendRawFrameForTestsAsync(session, w => GroupStateMessage.Encode(forged, w));
        var refused = await aliceEvents.WaitFor<InputRejected>(r => r.Reason.Contains("not its admin"));
        Assert.Contains(bob.Identity.Id.Short, refused.Reason);
        Assert.Equal(group.Version, alice.Store.FindGroup(group.Id)!.Version);
        Assert.False(alice.Store.FindGroup(group.Id)!.HasMember(mallory.Id));
    }

    [Fact]
    public async Task A_removed_member_receives_nothing_sent_after_its_removal()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        var carolEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, Fast);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, Fast);
        await using var carol = await TestNodes.StartAsync("carol", carolEvents, Fast);
        var group = await FormGroupAsync(alice, aliceEvents, (bob, bobEvents), (carol, carolEvents));

        var before = await alice.SendToGroupAsync(group.Id, "before removal");
        await carolEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == before.MessageId);

        var removed = (await alice.RemoveMemberAsync(group.Id, carol.Identity.Id)).Value!;
        await carolEvents.WaitFor<GroupChanged>(g => g.Group.Version == removed.Version && !g.Group.IsMember);
        await bobEvents.WaitFor<GroupChanged>(g => g.Group.Version == removed.Version);

        var after = await bob.SendToGroupAsync(group.Id, "after removal");
        Assert.Equal(1, after.SentNow + after.Queued); // only Alice
        await aliceEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == after.MessageId);
        Assert.DoesNotContain(carolEvents.All<GroupMessageReceived>(), m => m.MessageId == after.MessageId);
        Assert.DoesNotContain(carol.Store.History(group.Conversation, 50), m => m.Text == "after removal");
        var refused = await carol.SendToGroupAsync(group.Id, "still here?");
        Assert.Equal(GroupFailure.NotAllowed, refused.Failure);
        Assert.Equal("you are not a member of team", refused.Error);
        Assert.DoesNotContain(carol.Store.History(group.Conversation, 50), m => m.Text == "still here?");
    }
}
