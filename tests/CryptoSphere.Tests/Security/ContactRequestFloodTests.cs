using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #8: contact requests (<c>--accept trusted</c>) are bounded per stranger, kept on disk, and counted.</summary>
public sealed class ContactRequestFloodTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Func<NodeOptions, NodeOptions> Guarded => o => o with
    {
        Accept = AcceptPolicy.Trusted,
        MaxContactRequestMessagesPerPeer = 3,
        MaxContactRequestBytesPerPeer = 10_000,
    };

    [Fact]
    public async Task A_stranger_flooding_contact_requests_is_held_to_its_bounds_on_disk_and_nothing_held_is_lost()
    {
        // The same node before and after the restart: one identity (the data directory's agreement key is signed by it).
        using var identity = CryptoSphere.Core.Identity.NodeIdentity.CreateEphemeral();
        var store = ChatStore.Open(_dir.Path);
        var events = new EventWaiter();
        var target = await TestNodes.StartAsync("target", events, Guarded, identity, store);
        CryptoSphere.Core.Identity.PeerId chattyId, bigId;
        List<Guid> ids;
        try
        {
            await using var chatty = await RawSecurePeer.ConnectAsync(target.Port);
            await chatty.SendHelloAsync(1, "chatty");
            chattyId = chatty.Id;
            ids = Enumerable.Range(0, 5).Select(_ => Guid.CreateVersion7()).ToList();
            foreach (var id in ids)
                await chatty.SendChatAsync(new ChatMessage(id, DateTimeOffset.UtcNow, new string('c', 1000)));
            await events.WaitFor<InputRejected>(r => r.Reason.Contains(ids[4].ToString()));
            Assert.Contains("contact request full", events.All<InputRejected>().Single(r => r.Reason.Contains(ids[3].ToString())).Reason);
            // The three held are acknowledged (kept); the two refused never are.
            var acked = new List<Guid>();
            for (var i = 0; i < 3; i++)
                acked.Add(await NextAckAsync(chatty, events));
            Assert.Equal(ids[..3], acked);

            // Bytes count too: one message of 8 KB fits, the next does not.
            await using var big = await RawSecurePeer.ConnectAsync(target.Port);
            await big.SendHelloAsync(2, "big");
            bigId = big.Id;
            var first = ChatMessage.Create(new string('b', 8_000));
            var second = ChatMessage.Create(new string('b', 8_000));
            await big.SendChatAsync(first);
            await big.SendChatAsync(second);
            await events.WaitFor<InputRejected>(r => r.Reason.Contains(second.Id.ToString()) && r.Reason.Contains("bytes"));
            Assert.Equal(first.Id, await NextAckAsync(big, events));

            var requests = target.ContactRequests;
            Assert.Equal(3, requests.Single(r => r.Id == chattyId).Count);
            Assert.Equal(1, requests.Single(r => r.Id == bigId).Count);
            Assert.Empty(events.All<MessageReceived>());
        }
        finally
        {
            await target.DisposeAsync();
            store.Dispose();
        }

        // On disk: a restart still has them, and trusting the peer shows all three.
        using var reopened = ChatStore.Open(_dir.Path);
        var backEvents = new EventWaiter();
        await using var back = await TestNodes.StartAsync("target", backEvents, Guarded, identity, reopened);
        Assert.Equal(3, back.ContactRequests.Single(r => r.Id == chattyId).Count);
        back.TrustPeer(chattyId);
        Assert.Equal(ids[..3], backEvents.All<MessageReceived>().Select(m => m.MessageId!.Value));
        Assert.True(back.RejectContactRequest(bigId));
        Assert.Empty(back.ContactRequests);
    }

    [Fact]
    public async Task A_resend_of_a_held_message_is_acknowledged_again_when_the_request_is_full()
    {
        // The stranger's ACK was lost, so it sends the same message again: refusing it as "full" would leave it
        // waiting in the stranger's outbox forever, for a message this node holds already.
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events, Guarded);
        await using var stranger = await RawSecurePeer.ConnectAsync(target.Port);
        await stranger.SendHelloAsync(1, "stranger");
        var held = Enumerable.Range(0, 3).Select(i => ChatMessage.Create($"held {i}")).ToList();
        foreach (var message in held)
            await stranger.SendChatAsync(message);
        for (var i = 0; i < 3; i++)
            Assert.Equal(held[i].Id, await NextAckAsync(stranger, events));

        var fourth = ChatMessage.Create("one too many");
        await stranger.SendChatAsync(fourth);
        await stranger.SendChatAsync(held[1]);

        Assert.Equal(held[1].Id, await NextAckAsync(stranger, events));
        var refused = await events.WaitFor<InputRejected>(r => r.Reason.Contains(fourth.Id.ToString()));
        Assert.Contains("contact request full", refused.Reason);
        Assert.Equal(3, target.ContactRequests.Single(r => r.Id == stranger.Id).Count);
    }

    // A missing acknowledgement says why: the node's refusals (a store that could not write, say) are in the failure.
    private static async Task<Guid> NextAckAsync(RawSecurePeer peer, EventWaiter events)
    {
        try
        {
            return AckMessage.Decode(new((await peer.ReadUntilAsync(FrameType.Ack, TimeSpan.FromSeconds(90))).Body)).MessageId;
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            var refusals = string.Join("; ", events.All<InputRejected>().Select(r => r.Reason));
            throw new Xunit.Sdk.XunitException($"no acknowledgement ({e.Message}); the node's refusals: {refusals}");
        }
    }
}
