using CryptoSphere.Core.Messaging;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Groups;

/// <summary>
/// A group send writes the message to each connected member directly, while the commit that stored it wakes the
/// outbox's pass, which flushes the same members' outboxes. Whichever comes second must not write it again: a member
/// would decrypt, look up, refuse as a duplicate and acknowledge it twice, and the author apply two ACKs.
/// </summary>
public sealed class GroupDirectSendTests
{
    [Fact]
    public async Task A_member_the_outbox_already_flushed_to_is_not_written_the_message_again()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        // No heartbeat during the test: every write counted is the message's.
        Func<NodeOptions, NodeOptions> quiet = o => GroupTests.Fast(o) with { HeartbeatInterval = TimeSpan.FromMinutes(10) };
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, quiet);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, quiet);
        var group = await GroupTests.FormGroupAsync(alice, aliceEvents, (bob, bobEvents));
        // Alice's ACK of bob's "hello admin" is her last write to bob before the test's: on a loaded machine it went
        // out after the count below had begun, and counted as a second copy. Bob has it once his message is delivered.
        await bobEvents.WaitFor<MessageDelivered>(d => d.PeerId == alice.Identity.Id);

        // Counted from before the commit: the outbox's own pass, woken by it, may write the message before this test's flush.
        var session = alice.SessionForTests(bob.Identity.Id)!;
        var before = session.WritesForTests;
        // What GroupService.SendAsync does first: the message and its outbox row, committed.
        var now = DateTimeOffset.UtcNow;
        var message = new StoredMessage(Guid.CreateVersion7(), group.Conversation, true, alice.Identity.Id.Value, "127.0.0.1:1", "alice",
            "once only", PeerProtocol.Secure, now, now, MessageState.Queued);
        var (sequence, lamport) = await alice.Store.AppendGroupMessageAsync(message, group.Id, [Outbox.TargetOf(bob.Identity.Id)], now);

        // A pass gets there first and flushes bob's outbox (this one, or the loop's own); then the direct send for bob comes.
        Assert.True(await alice.OutboxForTests.FlushAsync(bob.Identity.Id));
        var frame = OutboxFrames.AsGroupMessage(PendingFrame.Of(message with { Lamport = lamport, Sequence = sequence }));
        Assert.True(await alice.OutboxForTests.SendDirectAsync(bob.Identity.Id, session, frame, sequence));

        await bobEvents.WaitFor<GroupMessageReceived>(m => m.MessageId == message.Id);
        await aliceEvents.WaitFor<MessageDelivered>(d => d.MessageId == message.Id && d.PeerId == bob.Identity.Id);
        Assert.Equal(1, session.WritesForTests - before);
    }
}
