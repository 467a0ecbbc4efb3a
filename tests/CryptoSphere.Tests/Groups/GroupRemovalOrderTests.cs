using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// hunt-B D2: a member's message is judged by the group's order, not by when it arrives. A message Bob sent while a member,
/// still waiting for Carol when the admin removed him, used to be dropped by Carol once the removal reached her first.
/// </summary>
public sealed class GroupRemovalOrderTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _bobDir = new();
    private readonly TempDirectory _carolDir = new();

    public void Dispose()
    {
        _bobDir.Dispose();
        _carolDir.Dispose();
    }

    private static Func<NodeOptions, NodeOptions> At(int port) => o => GroupTests.Fast(o) with { Port = port, StrictPort = port != 0 };

    [Fact]
    public async Task A_message_sent_before_the_authors_removal_reaches_a_member_who_heard_of_the_removal_first()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        var carolEvents = new EventWaiter();
        using var bobIdentity = NodeIdentity.LoadOrCreate(_bobDir.Path);
        using var carolIdentity = NodeIdentity.LoadOrCreate(_carolDir.Path);
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, GroupTests.Fast);
        var bobStore = ChatStore.Open(_bobDir.Path);
        var bob = await TestNodes.StartAsync("bob", bobEvents, GroupTests.Fast, bobIdentity, bobStore);
        var carolStore = ChatStore.Open(_carolDir.Path);
        var carolPort = ReservedPorts.Take();
        var carol = await TestNodes.StartAsync("carol", carolEvents, At(carolPort), carolIdentity, carolStore);
        var group = await GroupTests.FormGroupAsync(alice, aliceEvents, (bob, bobEvents), (carol, carolEvents));

        // Carol goes away; Bob's message reaches Alice and waits in Bob's outbox for Carol.
        await carol.DisposeAsync();
        carolStore.Dispose();
        var sent = await bob.SendToGroupAsync(group.Id, "from bob while carol is offline");
        Assert.True(sent.Success);
        await aliceEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == sent.MessageId, Patience);

        // Alice removes Bob after reading it: the removal comes after the message in the group's order.
        var removed = (await alice.RemoveMemberAsync(group.Id, bobIdentity.Id)).Value!;
        var removal = Assert.Single(removed.Members, m => m.Id == bobIdentity.Id).RemovedAtLamport;
        Assert.True(removal > sent.Lamport, $"removal at {removal}, message at {sent.Lamport}");
        await bobEvents.WaitFor<GroupChanged>(g => g.Group.Id == group.Id && g.Group.Version == removed.Version, Patience);
        await bob.DisposeAsync();
        bobStore.Dispose();

        // Carol comes back and hears of the removal before Bob is back to deliver.
        var carolBack = new EventWaiter();
        using var carolStore2 = ChatStore.Open(_carolDir.Path);
        await using var carol2 = await TestNodes.StartAsync("carol", carolBack, At(carolPort), carolIdentity, carolStore2);
        Assert.True((await carol2.SendAsync(TestNodes.KeyOf(alice), "carol is back")).Success);
        var heard = await carolBack.WaitFor<GroupChanged>(g => g.Group.Id == group.Id && g.Group.Version == removed.Version, Patience);
        Assert.False(heard.Group.HasMember(bobIdentity.Id));
        Assert.Equal(removal, Assert.Single(heard.Group.Members, m => m.Id == bobIdentity.Id).RemovedAtLamport);

        // Bob comes back: his queued message is taken, as Alice took it, and delivered to Carol.
        var bobBack = new EventWaiter();
        using var bobStore2 = ChatStore.Open(_bobDir.Path);
        await using var bob2 = await TestNodes.StartAsync("bob", bobBack, GroupTests.Fast, bobIdentity, bobStore2);
        var got = await carolBack.WaitFor<GroupMessageReceived>(m => m.MessageId == sent.MessageId, Patience);
        Assert.Equal(bobIdentity.Id, got.Author);
        await bobBack.WaitFor<MessageDelivered>(d => d.MessageId == sent.MessageId && d.PeerId == carolIdentity.Id, Patience);
        Assert.Empty(bobBack.All<MessageFailed>());
        Assert.Equal(alice.Store.History(group.Conversation, 50).Select(m => m.Id), carolStore2.History(group.Conversation, 50).Select(m => m.Id));
        var stored = Assert.Single(bobStore2.History(group.Conversation, 50), m => m.Id == sent.MessageId);
        Assert.Equal(MessageState.Delivered, stored.State);
        Assert.Null(stored.Refusals);
    }

    [Fact]
    public async Task A_removed_members_message_ordered_at_or_after_its_removal_is_refused_by_the_admin_too()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, GroupTests.Fast);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, GroupTests.Fast);
        var group = await GroupTests.FormGroupAsync(alice, aliceEvents, (bob, bobEvents));
        var before = await bob.SendToGroupAsync(group.Id, "before removal");
        await aliceEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == before.MessageId, Patience);

        var removed = (await alice.RemoveMemberAsync(group.Id, bob.Identity.Id)).Value!;
        var removal = Assert.Single(removed.Members, m => m.Id == bob.Identity.Id).RemovedAtLamport;
        await bobEvents.WaitFor<GroupChanged>(g => g.Group.Id == group.Id && g.Group.Version == removed.Version, Patience);
        // Bob's node no longer sends to the group; a node that did anyway, at the removal's time or after, is refused.
        Assert.False((await bob.SendToGroupAsync(group.Id, "after removal")).Success);
        foreach (var lamport in new[] { removal, removal + 1, removal + 1_000 })
        {
            var late = new GroupChatMessage(group.Id, Guid.CreateVersion7(), lamport, DateTimeOffset.UtcNow, $"late at {lamport}");
            await bob.SendRawFrameForTestsAsync(alice.Identity.Id, late.Encode);
        }
        // The trade-off protocol.md §13.3 states: Lamport times are the author's, so one dated before the removal is taken
        // (ordered before it). Frames of one session are handled in order: once it is shown, the three were judged.
        var backdated = new GroupChatMessage(group.Id, Guid.CreateVersion7(), removal - 1, DateTimeOffset.UtcNow, "backdated");
        await bob.SendRawFrameForTestsAsync(alice.Identity.Id, backdated.Encode);
        await aliceEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == backdated.Id, Patience);

        Assert.Equal(3, aliceEvents.All<InputRejected>().Count(r => r.Reason == $"{bob.Identity.Id.Short} is not a member of team"));
        Assert.DoesNotContain(alice.Store.History(group.Conversation, 50), m => m.Text.StartsWith("late at", StringComparison.Ordinal));
        // Shown before the removal, as every member that takes it orders it.
        Assert.Equal(["before removal", "backdated"], alice.Store.History(group.Conversation, 50).Select(m => m.Text));
    }
}
