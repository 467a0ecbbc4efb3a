using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// A GROUP_STATE names its admin, but a node that already knows the group believes the admin it knows:
/// a state that appoints someone else is refused, whoever sends it.
/// </summary>
public sealed class GroupAdminTests
{
    /// <summary>Alice (admin) and Bob, connected, both in one group.</summary>
    private static async Task<Group> FormGroupAsync(ChatNode alice, EventWaiter aliceEvents, ChatNode bob, EventWaiter bobEvents)
    {
        var group = alice.CreateGroup("team").Value!;
        Assert.True((await bob.SendAsync(TestNodes.KeyOf(alice), "hello admin")).Success);
        await aliceEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Identity.Id);
        group = (await alice.AddMemberAsync(group.Id, bob.Identity.Id)).Value!;
        await bobEvents.WaitFor<GroupChanged>(g => g.Group.Id == group.Id && g.Group.Version == group.Version);
        return group;
    }

    [Fact]
    public async Task A_member_naming_itself_admin_in_a_GROUP_STATE_is_refused()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        var group = await FormGroupAsync(alice, aliceEvents, bob, bobEvents);
        using var mallory = NodeIdentity.CreateEphemeral();

        // Bob's state is self-consistent (he sends it and it names him admin); only Alice's memory says otherwise.
        var forged = group with
        {
            Admin = bob.Identity.Id,
            Version = group.Version + 5,
            Members = [.. group.Members, new GroupMember(mallory.Id, null, false)],
        };
        await bob.SendRawFrameForTestsAsync(alice.Identity.Id, w => GroupStateMessage.Encode(forged, w));

        var refused = await aliceEvents.WaitFor<InputRejected>(r => r.Reason.Contains("not its admin"));
        Assert.Contains(bob.Identity.Id.Short, refused.Reason);
        var kept = alice.Store.FindGroup(group.Id)!;
        Assert.Equal(alice.Identity.Id, kept.Admin);
        Assert.Equal(group.Version, kept.Version);
        Assert.False(kept.HasMember(mallory.Id));
        Assert.DoesNotContain(aliceEvents.All<GroupChanged>(), g => g.Group.Version == forged.Version);
    }

    [Fact]
    public async Task The_admin_cannot_hand_a_group_to_someone_else_with_a_GROUP_STATE()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        var group = await FormGroupAsync(alice, aliceEvents, bob, bobEvents);
        using var mallory = NodeIdentity.CreateEphemeral();

        // From the known admin, but naming another: accepted, it would let Mallory's states in from now on.
        var handover = group with { Admin = mallory.Id, Version = group.Version + 1 };
        await alice.SendRawFrameForTestsAsync(bob.Identity.Id, w => GroupStateMessage.Encode(handover, w));

        var refused = await bobEvents.WaitFor<InputRejected>(r => r.Reason.Contains("not its admin"));
        Assert.Contains(alice.Identity.Id.Short, refused.Reason);
        var kept = bob.Store.FindGroup(group.Id)!;
        Assert.Equal(alice.Identity.Id, kept.Admin);
        Assert.Equal(group.Version, kept.Version);
    }
}
