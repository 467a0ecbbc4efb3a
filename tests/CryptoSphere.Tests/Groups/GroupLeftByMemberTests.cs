using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// A member's leave is its own: the admin never hears of it, so its next change still lists the member. Found from
/// outside (three nodes): that change wrote the member back in, and it took the group's messages and could send again.
/// </summary>
public sealed class GroupLeftByMemberTests
{
    [Fact]
    public async Task A_member_that_left_stays_out_after_the_admins_next_change_and_takes_no_group_messages()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        var carolEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, GroupTests.Fast);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, GroupTests.Fast);
        await using var carol = await TestNodes.StartAsync("carol", carolEvents, GroupTests.Fast);
        var group = await GroupTests.FormGroupAsync(alice, aliceEvents, (bob, bobEvents), (carol, carolEvents));
        Assert.True(carol.LeaveGroup(group.Id).Success);

        // A change that does not concern Carol, and one message after it.
        using var dave = NodeIdentity.CreateEphemeral();
        var changed = (await alice.AddMemberAsync(group.Id, dave.Id)).Value!;
        await bobEvents.WaitFor<GroupChanged>(g => g.Group.Version == changed.Version);
        await carolEvents.WaitFor<GroupChanged>(g => g.Group.Version == changed.Version);
        var after = await alice.SendToGroupAsync(group.Id, "after carol left");
        await bobEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == after.MessageId);

        var kept = carol.Store.FindGroup(group.Id)!;
        Assert.Equal(changed.Version, kept.Version);
        Assert.False(kept.IsMember);
        await Eventually.HoldsAsync(() => carolEvents.All<InputRejected>().Any(r => r.Reason.Contains("which this node is not in")),
            "Carol refused the message", TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(carolEvents.All<GroupMessageReceived>(), m => m.MessageId == after.MessageId);
        Assert.DoesNotContain(carol.Store.History(group.Conversation, 50), m => m.Text == "after carol left");
        Assert.Equal(GroupFailure.NotAllowed, (await carol.SendToGroupAsync(group.Id, "still here?")).Failure);
    }

    [Fact]
    public async Task A_member_that_left_is_in_again_once_the_admin_removed_it_and_added_it_back()
    {
        var aliceEvents = new EventWaiter();
        var carolEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, GroupTests.Fast);
        await using var carol = await TestNodes.StartAsync("carol", carolEvents, GroupTests.Fast);
        var group = await GroupTests.FormGroupAsync(alice, aliceEvents, (carol, carolEvents));
        Assert.True(carol.LeaveGroup(group.Id).Success);

        var removed = (await alice.RemoveMemberAsync(group.Id, carol.Identity.Id)).Value!;
        await carolEvents.WaitFor<GroupChanged>(g => g.Group.Version == removed.Version);
        Assert.False(carol.Store.FindGroup(group.Id)!.IsMember);
        var readded = (await alice.AddMemberAsync(group.Id, carol.Identity.Id)).Value!;
        await carolEvents.WaitFor<GroupChanged>(g => g.Group.Version == readded.Version);

        // The admin asked Carol back: that is not the leave undone behind her back.
        Assert.True(carol.Store.FindGroup(group.Id)!.IsMember);
        var back = await alice.SendToGroupAsync(group.Id, "welcome back");
        await carolEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == back.MessageId);
    }
}
