using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// An admin that left its group cannot change it any more: an add after the leave used to write the admin back in
/// and send its messages again, while every listing still said it had left (found from outside, hunt-B D8).
/// </summary>
public sealed class GroupLeftByAdminTests
{
    [Fact]
    public async Task After_leaving_the_admin_can_neither_add_nor_remove_and_nothing_changes()
    {
        await using var alice = await TestNodes.StartAsync("alice", new EventWaiter());
        using var bob = NodeIdentity.CreateEphemeral();
        using var carol = NodeIdentity.CreateEphemeral();
        var group = alice.CreateGroup("team").Value!;
        group = (await alice.AddMemberAsync(group.Id, bob.Id)).Value!;
        Assert.True(alice.LeaveGroup(group.Id).Success);

        var added = await alice.AddMemberAsync(group.Id, carol.Id);
        var removed = await alice.RemoveMemberAsync(group.Id, bob.Id);

        foreach (var refused in new[] { added, removed })
        {
            Assert.Equal(GroupFailure.NotAllowed, refused.Failure);
            Assert.StartsWith("you left team;", refused.Error);
        }
        var kept = alice.Store.FindGroup(group.Id)!;
        Assert.False(kept.IsMember);
        Assert.Equal(group.Version, kept.Version);
        Assert.True(kept.HasMember(bob.Id));
        Assert.False(kept.HasMember(carol.Id));
        // And so it stays out: its messages are still refused.
        Assert.Equal(GroupFailure.NotAllowed, (await alice.SendToGroupAsync(group.Id, "still here?")).Failure);
    }
}
