using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// A member judges a removed member's messages by the removal's Lamport time in the admin's GROUP_STATE. The admin and
/// the removed member are hand-driven peers, so the test picks the exact times on both sides of the boundary.
/// </summary>
public sealed class GroupRemovalTimeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private sealed record Scene(ChatNode Carol, EventWaiter Events, RawSecurePeer Admin, RawSecurePeer Bob, Group Group) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Bob.DisposeAsync();
            await Admin.DisposeAsync();
            await Carol.DisposeAsync();
        }

        /// <summary>Bob sends at <paramref name="lamport"/>: true if Carol acknowledges it, false if she refuses it.</summary>
        public async Task<bool> TakenAsync(long lamport)
        {
            var message = new GroupChatMessage(Group.Id, Guid.CreateVersion7(), lamport, DateTimeOffset.UtcNow, $"at {lamport}");
            await Bob.SendAsync(message.Encode);
            while (true)
            {
                var frame = await Bob.ReadFrameAsync(Patience) ?? throw new TimeoutException("no answer from carol");
                if (frame.Type == FrameType.Ack && AckMessage.Decode(new(frame.Body)).MessageId == message.Id)
                    return true;
                if (frame.Type == FrameType.GroupRefused && GroupRefusedMessage.Decode(new(frame.Body)) is { } refused && refused.MessageId == message.Id)
                {
                    Assert.Equal(GroupRefusal.AuthorNotAMember, refused.Reason);
                    return false;
                }
            }
        }
    }

    /// <summary>Carol, a real node, in the admin's group with Bob; then the admin removes Bob as <paramref name="removedBob"/> says.</summary>
    private static async Task<Scene> RemovedAsync(Func<GroupMember, GroupMember> removedBob)
    {
        var events = new EventWaiter();
        var carol = await TestNodes.StartAsync("carol", events);
        var admin = await RawSecurePeer.ConnectAsync(carol.Port);
        await admin.SendHelloAsync(40_001, "admin");
        var bob = await RawSecurePeer.ConnectAsync(carol.Port);
        await bob.SendHelloAsync(40_002, "bob");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Id, Patience);
        var bobMember = new GroupMember(bob.Id, null, false);
        var group = new Group(Guid.CreateVersion7(), "team", admin.Id, 1,
            [new GroupMember(admin.Id, null, false), bobMember, new GroupMember(carol.Identity.Id, null, false)], true);
        await admin.SendAsync(w => GroupStateMessage.Encode(group, w));
        group = group with { Version = 2, Members = [group.Members[0], removedBob(bobMember), group.Members[2]] };
        await admin.SendAsync(w => GroupStateMessage.Encode(group, w));
        await events.WaitFor<GroupChanged>(g => g.Group.Id == group.Id && g.Group.Version == 2, Patience);
        return new Scene(carol, events, admin, bob, group);
    }

    [Fact]
    public async Task A_message_ordered_before_the_removal_is_taken_and_one_at_or_after_it_is_refused()
    {
        await using var scene = await RemovedAsync(m => m with { Removed = true, RemovedAtLamport = 10 });
        Assert.Equal(10, scene.Carol.Store.FindGroup(scene.Group.Id)!.Members.Single(m => m.Id == scene.Bob.Id).RemovedAtLamport);

        Assert.True(await scene.TakenAsync(9));
        Assert.True(await scene.TakenAsync(1));
        Assert.False(await scene.TakenAsync(10));
        Assert.False(await scene.TakenAsync(11));
        Assert.False(await scene.TakenAsync(GroupChatMessage.MaxLamport));

        var shown = scene.Events.All<GroupMessageReceived>().Select(m => m.Text);
        Assert.Equal(["at 9", "at 1"], shown);
        // Shown in the group's order, which the removal does not change.
        Assert.Equal(["at 1", "at 9"], scene.Carol.Store.History(scene.Group.Conversation, 50).Select(m => m.Text));
    }

    [Fact]
    public async Task A_removal_without_a_time_from_an_older_admin_refuses_every_message_as_before()
    {
        await using var scene = await RemovedAsync(m => m with { Removed = true });

        Assert.False(await scene.TakenAsync(1));
        Assert.False(await scene.TakenAsync(0));
        Assert.Empty(scene.Events.All<GroupMessageReceived>());
    }

    [Fact]
    public async Task A_member_added_again_is_current_whatever_its_old_removal_time()
    {
        await using var scene = await RemovedAsync(m => m with { Removed = true, RemovedAtLamport = 10 });
        var again = scene.Group with { Version = 3, Members = [.. scene.Group.Members.Select(m => m.Id == scene.Bob.Id ? m with { Removed = false } : m)] };
        await scene.Admin.SendAsync(w => GroupStateMessage.Encode(again, w));
        await scene.Events.WaitFor<GroupChanged>(g => g.Group.Id == again.Id && g.Group.Version == 3, Patience);

        Assert.Equal(0, scene.Carol.Store.FindGroup(again.Id)!.Members.Single(m => m.Id == scene.Bob.Id).RemovedAtLamport);
        Assert.True(await scene.TakenAsync(50));
    }
}
