using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>
/// Issue 12 #5: a second key on the same IP claiming a trusted peer's port in its HELLO never receives what is
/// sent to that address; the session is filed under its own endpoint, and sending to the address proves the ID.
/// </summary>
public sealed class AddressHijackTests
{
    [Fact]
    public async Task A_key_claiming_a_trusted_peers_port_gets_nothing_sent_to_that_address()
    {
        var events = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);
        Assert.True((await target.SendAsync(TestNodes.KeyOf(bob), "hello bob")).Success);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Identity.Id);
        target.TrustPeer(bob.Identity.Id);

        await using var thief = await RawSecurePeer.ConnectAsync(target.Port);
        await thief.SendHelloAsync((ushort)bob.Port, "bob");
        var connected = await events.WaitFor<SecurePeerConnected>(c => c.PeerId == thief.Id);
        Assert.NotEqual(TestNodes.KeyOf(bob), connected.Address);
        var refused = await events.WaitFor<InputRejected>(r => r.Reason.Contains(thief.Id.Short) && r.Reason.Contains("claims"));
        Assert.Contains(bob.Identity.Id.Short, refused.Reason);

        // Sent to bob's address: bob gets it, over its own proven session; the thief gets no CHAT.
        var sent = await target.SendAsync(TestNodes.KeyOf(bob), "for bob only");
        Assert.True(sent.Success, sent.Error);
        await sent.Delivered!.WaitAsync(EventWaiter.DefaultTimeout);
        await bobEvents.WaitFor<MessageReceived>(m => m.Text == "for bob only");
        // Anything the node sent the thief arrives before this PONG; none of it is a CHAT.
        await thief.SendAsync(w => new PingMessage(7).Encode(w, FrameType.Ping));
        var (_, before) = await thief.ReadUntilAsync(FrameType.Pong);
        Assert.DoesNotContain(FrameType.Chat, before);

        // Bob goes away: a message to his address waits for him rather than going to the thief.
        await bob.DisposeAsync();
        await events.WaitFor<SecurePeerDisconnected>(d => d.PeerId == bob.Identity.Id);
        var queued = await target.SendAsync(TestNodes.KeyOf(bob), "wait for bob");
        Assert.Equal(bob.Identity.Id.Value, target.Store.Outbox().Single(r => r.Message.Id == queued.MessageId).Message.PeerId);
        await thief.SendAsync(w => new PingMessage(8).Encode(w, FrameType.Ping));
        (_, before) = await thief.ReadUntilAsync(FrameType.Pong);
        Assert.DoesNotContain(FrameType.Chat, before);
    }
}
