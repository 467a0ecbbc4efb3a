using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Messaging;

/// <summary>
/// A message its receiver never acknowledged (it could not store it, or could not take it yet) is written again on the
/// same session once the ACK timeout has passed, not only on the next session. The receiver is a hand-driven TLS peer,
/// so it decides what it acknowledges.
/// </summary>
public sealed class ResendOnSessionTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static async Task<Guid> ReadChatIdAsync(RawSecurePeer raw)
    {
        var (body, _) = await raw.ReadUntilAsync(FrameType.Chat, Long);
        return ChatMessage.Decode(new(body)).Id;
    }

    [Fact]
    public async Task A_message_left_unacknowledged_is_written_again_on_the_same_session_and_then_delivered()
    {
        var events = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", events,
            o => o with { AckTimeout = TimeSpan.FromSeconds(1), OutboxCheckInterval = TimeSpan.FromMilliseconds(100) });
        await using var bob = await RawSecurePeer.GreetAsync(alice, "bob");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Id);

        var sent = await alice.SendAsync(bob.Id, "did you get this?");
        Assert.True(sent.Success, sent.Error);
        Assert.Equal(sent.MessageId, await ReadChatIdAsync(bob));

        // Bob "could not store it" and stays silent: the same message comes again on this connection.
        Assert.Equal(sent.MessageId, await ReadChatIdAsync(bob));
        await bob.SendAckAsync(sent.MessageId!.Value);

        await events.WaitFor<MessageDelivered>(d => d.MessageId == sent.MessageId, Long);
        Assert.Equal(MessageState.Delivered, alice.Store.History(null, 10).Single(m => m.Id == sent.MessageId).State);
        Assert.Equal(1, events.All<SecurePeerConnected>().Count(c => c.PeerId == bob.Id));
    }
}
