using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// What an ACK may settle, seen from the sender: only a message this node sent to that peer and still waits
/// for, once. The peer is a hand-driven TLS client, so it can acknowledge anything, any number of times.
/// </summary>
public sealed class AcknowledgementTests
{
    private static async Task<Guid> ReadChatIdAsync(RawSecurePeer raw)
    {
        var (body, _) = await raw.ReadUntilAsync(FrameType.Chat);
        return ChatMessage.Decode(new(body)).Id;
    }

    [Fact]
    public async Task An_unsolicited_or_repeated_ack_raises_no_MessageDelivered()
    {
        var events = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", events);
        await using var raw = await RawSecurePeer.GreetAsync(alice, "bob");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == raw.Id);

        var first = await alice.SendAsync(raw.Id, "first");
        var second = await alice.SendAsync(raw.Id, "second");
        Assert.True(first.Success && second.Success, first.Error ?? second.Error);
        Assert.Equal(first.MessageId, await ReadChatIdAsync(raw));
        Assert.Equal(second.MessageId, await ReadChatIdAsync(raw));

        var neverSent = Guid.CreateVersion7();
        await raw.SendAckAsync(neverSent);
        await raw.SendAckAsync(first.MessageId!.Value);
        await raw.SendAckAsync(first.MessageId!.Value);
        await raw.SendAckAsync(neverSent);
        // Acks settle in arrival order: once the last one is reported, every one before it has been handled.
        await raw.SendAckAsync(second.MessageId!.Value);
        await events.WaitFor<MessageDelivered>(d => d.MessageId == second.MessageId);

        var delivered = events.All<MessageDelivered>();
        Assert.Single(delivered, d => d.MessageId == first.MessageId);
        Assert.DoesNotContain(delivered, d => d.MessageId == neverSent);
        Assert.Equal(2, delivered.Count);
        Assert.Equal(MessageState.Delivered, alice.Store.History(null, 10).Single(m => m.Id == first.MessageId).State);
    }

    [Fact]
    public async Task An_ack_from_another_peer_settles_nothing()
    {
        var events = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", events);
        await using var bob = await RawSecurePeer.GreetAsync(alice, "bob");
        await using var mallory = await RawSecurePeer.GreetAsync(alice, "mallory");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Id);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == mallory.Id);

        var toBob = await alice.SendAsync(bob.Id, "for bob");
        var toMallory = await alice.SendAsync(mallory.Id, "for mallory");
        Assert.Equal(toBob.MessageId, await ReadChatIdAsync(bob));
        Assert.Equal(toMallory.MessageId, await ReadChatIdAsync(mallory));

        // Mallory saw nothing of Bob's message, but may guess or replay its ID.
        await mallory.SendAckAsync(toBob.MessageId!.Value);
        await mallory.SendAckAsync(toMallory.MessageId!.Value);
        await events.WaitFor<MessageDelivered>(d => d.MessageId == toMallory.MessageId);

        Assert.DoesNotContain(events.All<MessageDelivered>(), d => d.MessageId == toBob.MessageId);
        Assert.False(toBob.Delivered!.IsCompleted);
        Assert.Single(alice.Store.Outbox(), r => r.Message.Id == toBob.MessageId);
    }
}
