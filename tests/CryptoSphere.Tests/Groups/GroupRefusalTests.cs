using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// Issue 13 item 8: a group message to a member who left stays [sent] no more. The member answers GROUP_REFUSED,
/// and the author ends that member's delivery as failed, with the reason, in history and as MessageFailed.
/// </summary>
public sealed class GroupRefusalTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _aliceDir = new();

    public void Dispose() => _aliceDir.Dispose();

    [Fact]
    public async Task A_member_who_left_refuses_and_the_others_still_get_it()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        var carolEvents = new EventWaiter();
        Guid sentId;
        using (var aliceStore = ChatStore.Open(_aliceDir.Path))
        {
            await using var alice = await TestNodes.StartAsync("alice", aliceEvents, GroupTests.Fast, store: aliceStore);
            await using var bob = await TestNodes.StartAsync("bob", bobEvents, GroupTests.Fast);
            await using var carol = await TestNodes.StartAsync("carol", carolEvents, GroupTests.Fast);
            var group = await GroupTests.FormGroupAsync(alice, aliceEvents, (bob, bobEvents), (carol, carolEvents));
            Assert.True(carol.LeaveGroup(group.Id).Success);

            var sent = await alice.SendToGroupAsync(group.Id, "after carol left");
            sentId = sent.MessageId;

            var failed = await aliceEvents.WaitFor<MessageFailed>(f => f.MessageId == sent.MessageId, Patience);
            Assert.Equal("carol is no longer in team (left or removed)", failed.Reason);
            Assert.Equal(carol.Port, failed.To.Port);
            await aliceEvents.WaitFor<MessageDelivered>(d => d.MessageId == sent.MessageId && d.PeerId == bob.Identity.Id, Patience);
            await bobEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == sent.MessageId, Patience);
            Assert.DoesNotContain(carol.Store.History(group.Conversation, 50), m => m.Text == "after carol left");
            Assert.DoesNotContain(alice.Store.Outbox(), r => r.Message.Id == sent.MessageId);

            var stored = Assert.Single(alice.Store.History(group.Conversation, 50), m => m.Id == sent.MessageId);
            Assert.Equal(MessageState.Delivered, stored.State);
            Assert.Equal("carol is no longer in team (left or removed)", stored.Refusals);
        }

        // What the user reads: delivered, and not to carol.
        var history = await CliProcess.RunAsync("history", "--data-dir", _aliceDir.Path, "team");
        Assert.Equal(0, history.ExitCode);
        var line = Assert.Single(history.Stdout.Split('\n'), l => l.Contains("after carol left"));
        Assert.Contains("you -> #team [delivered; not to: carol is no longer in team (left or removed)]", line);
        Assert.DoesNotContain(sentId.ToString(), (await CliProcess.RunAsync("outbox", "--data-dir", _aliceDir.Path, "--json")).Stdout);
    }

    [Fact]
    public async Task A_message_every_member_refused_is_failed_with_the_reason()
    {
        var aliceEvents = new EventWaiter();
        var carolEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, GroupTests.Fast);
        await using var carol = await TestNodes.StartAsync("carol", carolEvents, GroupTests.Fast);
        var group = await GroupTests.FormGroupAsync(alice, aliceEvents, (carol, carolEvents));
        Assert.True(carol.LeaveGroup(group.Id).Success);

        var sent = await alice.SendToGroupAsync(group.Id, "nobody is listening");
        await aliceEvents.WaitFor<MessageFailed>(f => f.MessageId == sent.MessageId, Patience);

        var stored = Assert.Single(alice.Store.History(group.Conversation, 50), m => m.Id == sent.MessageId);
        Assert.Equal(MessageState.Failed, stored.State);
        Assert.Equal("carol is no longer in team (left or removed)", stored.Error);
        Assert.Empty(alice.Store.Outbox());
        // Carol's refusal of a resend changes nothing more: one failure, one event.
        var again = await alice.SendToGroupAsync(group.Id, "second try");
        await aliceEvents.WaitFor<MessageFailed>(f => f.MessageId == again.MessageId, Patience);
        Assert.Single(aliceEvents.All<MessageFailed>(), f => f.MessageId == sent.MessageId);
    }

    [Fact]
    public async Task A_refusal_from_a_member_behind_the_authors_version_keeps_the_message_queued()
    {
        var aliceEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, GroupTests.Fast);
        await using var dave = await RawSecurePeer.GreetAsync(alice, "dave");
        var group = alice.CreateGroup("team").Value!;
        group = (await alice.AddMemberAsync(group.Id, dave.Id)).Value!;
        var first = await alice.SendToGroupAsync(group.Id, "first");
        var second = await alice.SendToGroupAsync(group.Id, "second");
        await dave.ReadUntilAsync(FrameType.GroupMessage);
        await dave.ReadUntilAsync(FrameType.GroupMessage);

        // Dave claims an older state for the first (he would take it once the admin's state reached him), then
        // refuses the second for good. Frames of one session are handled in order: once the second has failed,
        // the first's refusal has been dealt with.
        await dave.SendAsync(new GroupRefusedMessage(first.MessageId, group.Version - 1, GroupRefusal.NotAMember).Encode);
        await dave.SendAsync(new GroupRefusedMessage(second.MessageId, group.Version, GroupRefusal.NotAMember).Encode);
        await aliceEvents.WaitFor<MessageFailed>(f => f.MessageId == second.MessageId, Patience);

        Assert.DoesNotContain(aliceEvents.All<MessageFailed>(), f => f.MessageId == first.MessageId);
        Assert.Contains(alice.Store.Outbox(), r => r.Message.Id == first.MessageId);
        Assert.DoesNotContain(alice.Store.Outbox(), r => r.Message.Id == second.MessageId);

        // A refusal of a message that is not pending for that peer (already settled) changes nothing.
        await dave.SendAsync(new GroupRefusedMessage(second.MessageId, group.Version, GroupRefusal.NotAMember).Encode);
        await dave.SendAsync(new GroupRefusedMessage(first.MessageId, group.Version, GroupRefusal.AuthorNotAMember).Encode);
        var failed = await aliceEvents.WaitFor<MessageFailed>(f => f.MessageId == first.MessageId, Patience);
        Assert.Equal("dave does not count you as a member of team", failed.Reason);
        Assert.Single(aliceEvents.All<MessageFailed>(), f => f.MessageId == second.MessageId);
    }
}
