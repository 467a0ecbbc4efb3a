using CryptoSphere.Core.Node;
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
}
