using System.Net;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #1 and #17: large frames cost the node a bounded number of bytes, per peer, per address and in all.</summary>
public sealed class ByteBudgetTests
{
    [Fact]
    public async Task Two_peers_flooding_megabyte_messages_stay_within_their_byte_budgets_and_a_friend_is_served()
    {
        const long perPeer = 3L << 20;
        const long node = 4L << 20;
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events, o => o with
        {
            MaxUnstoredBytesPerPeer = perPeer,
            MaxUnstoredBytes = node,
        });
        await using var friend = await TestNodes.StartAsync("friend");
        await using var first = await RawSecurePeer.ConnectAsync(target.Port);
        await using var second = await RawSecurePeer.ConnectAsync(target.Port);
        await first.SendHelloAsync(1, "flood1");
        await second.SendHelloAsync(2, "flood2");

        using var stop = new CancellationTokenSource();
        var text = new string('x', 900 * 1024);
        async Task<int> FloodAsync(RawSecurePeer peer)
        {
            var sent = 0;
            while (!stop.IsCancellationRequested)
            {
                await peer.SendChatAsync(new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.UtcNow, text));
                sent++;
            }
            return sent;
        }
        var floods = new[] { Task.Run(() => FloodAsync(first)), Task.Run(() => FloodAsync(second)) };
        int[] sentCounts;
        try
        {
            await events.WaitFor<MessageReceived>(m => m.PeerId == first.Id, TimeSpan.FromSeconds(30));
            await events.WaitFor<MessageReceived>(m => m.PeerId == second.Id, TimeSpan.FromSeconds(30));
            for (var i = 0; i < 5; i++)
            {
                var sent = await friend.SendAsync(TestNodes.KeyOf(target), "hello " + i);
                Assert.True(sent.Success, sent.Error);
                await sent.Delivered!.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            stop.Cancel();
            sentCounts = await Task.WhenAll(floods).WaitAsync(TimeSpan.FromSeconds(60));
        }

        // Nothing was dropped: every flooded message is stored and shown, just later.
        await Eventually.HoldsAsync(() => events.All<MessageReceived>().Count(m => m.PeerId == first.Id) == sentCounts[0]
                                          && events.All<MessageReceived>().Count(m => m.PeerId == second.Id) == sentCounts[1],
            "every flooded message is received", TimeSpan.FromSeconds(60));
        var limits = target.ReceiveLimits;
        Assert.InRange(limits.PeerUnstoredHighWater, 1, perPeer);
        Assert.InRange(limits.Unstored.HighWater, 1, node);
        Assert.Equal(0, limits.Unstored.InUse);
    }

    [Fact]
    public async Task Many_half_sent_megabyte_frames_from_one_address_hold_only_that_addresss_budget()
    {
        const long perAddress = 2L << 20;
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events, o => o with { MaxPartialFrameBytesPerAddress = perAddress });
        var attackers = new List<RawSecurePeer>();
        try
        {
            var from = IPAddress.Parse("127.0.0.2");
            // Each announces a 1 MiB frame and sends 200 KB of it, then stalls.
            var partial = new byte[FrameCodec.HeaderSize + 200 * 1024];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(partial, 1024 * 1024);
            partial[FrameCodec.HeaderSize] = (byte)FrameType.Chat;
            for (var i = 0; i < 20; i++)
            {
                var peer = await RawSecurePeer.ConnectAsync(target.Port, from: from);
                attackers.Add(peer);
                await peer.SendHelloAsync((ushort)(100 + i), "half" + i);
                await events.WaitFor<SecurePeerConnected>(c => c.PeerId == peer.Id);
                await peer.WriteAsync(partial);
            }
            var limits = target.ReceiveLimits;
            await Eventually.HoldsAsync(() => limits.PartialNode.InUse > 0, "a half-sent frame holds budget");

            // A friend on another address sends a large message and small ones: its budget is its own.
            await using var friend = await TestNodes.StartAsync("friend");
            foreach (var text in new[] { "small", new string('b', 700 * 1024) })
            {
                var sent = await friend.SendAsync(TestNodes.KeyOf(target), text);
                Assert.True(sent.Success, sent.Error);
                await sent.Delivered!.WaitAsync(TimeSpan.FromSeconds(30));
            }
            // 20 frames of 1 MiB were announced from 127.0.0.2; only its 2 MiB are held (plus the friend's one frame).
            Assert.InRange(limits.PartialNode.HighWater, 1, perAddress + (1L << 20));
        }
        finally
        {
            foreach (var peer in attackers)
                await peer.DisposeAsync();
        }
    }
}
