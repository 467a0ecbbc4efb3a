using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #2: a member sending an absurd Lamport time never breaks the group.</summary>
public sealed class LamportOverflowTests
{
    [Fact]
    public async Task A_member_sending_absurd_lamport_times_leaves_the_group_working_for_everyone()
    {
        var adminEvents = new EventWaiter();
        var friendEvents = new EventWaiter();
        await using var admin = await TestNodes.StartAsync("admin", adminEvents);
        await using var friend = await TestNodes.StartAsync("friend", friendEvents);
        var group = admin.CreateGroup("team").Value!;
        Assert.True((await friend.SendAsync(TestNodes.KeyOf(admin), "hi")).Success);
        await adminEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == friend.Identity.Id);
        group = (await admin.AddMemberAsync(group.Id, friend.Identity.Id)).Value!;

        await using var evil = await RawSecurePeer.ConnectAsync(admin.Port);
        await evil.SendHelloAsync(1, "evil");
        await adminEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == evil.Id);
        group = (await admin.AddMemberAsync(group.Id, evil.Id)).Value!;
        await friendEvents.WaitFor<GroupChanged>(g => g.Group.Id == group.Id && g.Group.Version == group.Version);

        // The largest time a frame may carry is accepted, but moves the group's clock by a bounded step only.
        var big = new GroupChatMessage(group.Id, Guid.CreateVersion7(), GroupChatMessage.MaxLamport, DateTimeOffset.UtcNow, "far future");
        await evil.SendAsync(big.Encode);
        await adminEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == big.Id);
        Assert.InRange(admin.Store.TickClock(group.Id), 2, ChatStore.MaxClockJump + 10);

        // Beyond it (2^63 - 1 overflowed the clock before) is a forged frame: that connection is closed.
        var absurd = new GroupChatMessage(group.Id, Guid.CreateVersion7(), long.MaxValue, DateTimeOffset.UtcNow, "overflow");
        await evil.SendAsync(absurd.Encode);
        await evil.ReadUntilClosedAsync();
        Assert.DoesNotContain(adminEvents.All<GroupMessageReceived>(), m => m.MessageId == absurd.Id);

        // Sends and receives in the group still work, both ways.
        var out1 = await admin.SendToGroupAsync(group.Id, "still working");
        await friendEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == out1.MessageId);
        var back = await friend.SendToGroupAsync(group.Id, "me too");
        var received = await adminEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == back.MessageId);
        Assert.Equal("me too", received.Text);
    }

    [Fact]
    public void A_clock_already_overflowed_by_an_older_version_is_repaired_on_the_next_tick()
    {
        using var store = ChatStore.OpenInMemory();
        using var identity = CryptoSphere.Core.Identity.NodeIdentity.CreateEphemeral();
        var group = new CryptoSphere.Core.Groups.Group(Guid.CreateVersion7(), "g", identity.Id, 1,
            [new CryptoSphere.Core.Groups.GroupMember(identity.Id, null, false)], true);
        store.SaveGroup(group, identity.Id);
        store.Locked(db => ChatStore.Execute(db, "UPDATE groups SET clock = 9223372036854775807"));
        Assert.Equal(GroupChatMessage.MaxLamport, store.TickClock(group.Id));
        Assert.Equal(GroupChatMessage.MaxLamport, store.TickClock(group.Id, long.MaxValue));
    }
}
