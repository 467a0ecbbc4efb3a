using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #1: what a peer can make the node store is capped, less for strangers than for trusted peers.</summary>
public sealed class StorageQuotaTests
{
    // 10,000 bytes for a stranger, ten times that for a trusted peer: a few 4,000-character messages cross the first.
    private static Task<ChatNode> StartTargetAsync(EventWaiter events) => TestNodes.StartAsync("target", events, o => o with
    {
        MaxStoredBytesPerStranger = 10_000,
        MaxStoredBytesPerTrustedPeer = 100_000,
    });

    private static async Task<RawSecurePeer> StrangerAsync(ChatNode target, string name)
    {
        var peer = await RawSecurePeer.ConnectAsync(target.Port);
        await peer.SendHelloAsync(1, name);
        return peer;
    }

    [Fact]
    public async Task A_stranger_over_its_storage_quota_is_refused_visibly_while_a_trusted_peer_keeps_its_larger_one()
    {
        var events = new EventWaiter();
        await using var target = await StartTargetAsync(events);
        await using var stranger = await StrangerAsync(target, "stranger");
        await using var friend = await TestNodes.StartAsync("friend");
        Assert.True((await friend.SendAsync(TestNodes.KeyOf(target), "hi")).Success);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == friend.Identity.Id);
        target.TrustPeer(friend.Identity.Id);

        var text = new string('s', 4_000);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.CreateVersion7()).ToList();
        foreach (var id in ids)
            await stranger.SendChatAsync(new ChatMessage(id, DateTimeOffset.UtcNow, text));
        var refused = await events.WaitFor<InputRejected>(r => r.Reason.Contains(ids[2].ToString()));
        Assert.Contains("storage quota", refused.Reason);
        var acked = new List<Guid>();
        for (var i = 0; i < 2; i++)
            acked.Add(AckMessage.Decode(new((await stranger.ReadUntilAsync(FrameType.Ack)).Body)).MessageId);
        Assert.Equal(ids[..2], acked);
        Assert.DoesNotContain(events.All<MessageReceived>(), m => m.MessageId == ids[2]);

        // The trusted friend stores five times as much.
        for (var i = 0; i < 5; i++)
        {
            var sent = await friend.SendAsync(TestNodes.KeyOf(target), text);
            Assert.True(sent.Success, sent.Error);
            await sent.Delivered!.WaitAsync(EventWaiter.DefaultTimeout);
        }
        Assert.Equal(TrustState.Trusted, target.Trust.StateOf(friend.Identity.Id));
    }

    [Fact]
    public async Task A_stranger_refused_at_its_quota_gets_the_trusted_one_once_trusted()
    {
        var events = new EventWaiter();
        await using var target = await StartTargetAsync(events);
        await using var peer = await StrangerAsync(target, "soon a friend");
        var text = new string('s', 4_000);
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.CreateVersion7()).ToList();
        foreach (var id in ids[..3])
            await peer.SendChatAsync(new ChatMessage(id, DateTimeOffset.UtcNow, text));
        await events.WaitFor<InputRejected>(r => r.Reason.Contains(ids[2].ToString()) && r.Reason.Contains("storage quota"));

        // Trust is read again by the next write: the same peer now has the larger quota.
        target.TrustPeer(peer.Id);
        await peer.SendChatAsync(new ChatMessage(ids[3], DateTimeOffset.UtcNow, text));
        var acked = new List<Guid>();
        for (var i = 0; i < 3; i++)
            acked.Add(AckMessage.Decode(new((await peer.ReadUntilAsync(FrameType.Ack)).Body)).MessageId);
        Assert.Equal([ids[0], ids[1], ids[3]], acked);
    }
}
