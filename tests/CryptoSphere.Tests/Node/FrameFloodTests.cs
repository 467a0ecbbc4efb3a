using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>A peer sending frames as fast as it can is slowed down; a well-behaved peer keeps chatting.</summary>
public sealed class FrameFloodTests
{
    [Fact]
    public async Task A_well_behaved_peer_keeps_chatting_while_another_floods_the_node_with_frames()
    {
        var targetEvents = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", targetEvents);
        await using var friend = await TestNodes.StartAsync("friend");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, target.Port);
        using var identity = NodeIdentity.CreateEphemeral();
        var (ssl, remote) = await TlsHandshake.ConnectAsync(client.GetStream(), identity, null, EventWaiter.DefaultTimeout, default);
        var flooder = new SecureSession(ssl, remote, (IPEndPoint)client.Client.RemoteEndPoint!, true, FrameCodec.DefaultMaxFrameBytes, TimeProvider.System);
        await flooder.OpenAsync(new HelloMessage(HelloMessage.CurrentVersion, 1, 0, "flooder"), EventWaiter.DefaultTimeout, default);
        flooder.MarkRegistered();

        using var stop = new CancellationTokenSource();
        long flooded = 0;
        var flood = Task.Run(async () =>
        {
            var text = new string('f', 200);
            while (!stop.IsCancellationRequested)
            {
                await flooder.SendChatAsync(new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.UtcNow, text));
                Interlocked.Increment(ref flooded);
            }
        });
        try
        {
            // Well under way before the friend speaks.
            await targetEvents.WaitFor<MessageReceived>(m => m.PeerId == identity.Id);
            for (var i = 0; i < 20; i++)
            {
                var sent = await friend.SendAsync(TestNodes.KeyOf(target), "hello " + i);
                Assert.True(sent.Success, sent.Error);
                await sent.Delivered!.WaitAsync(EventWaiter.DefaultTimeout);
            }
            // The ack can reach the friend before the target's event queue (behind the flood's events) shows
            // the last message: wait for it, then count.
            await targetEvents.WaitFor<MessageReceived>(m => m.PeerId == friend.Identity.Id && m.Text == "hello 19", TimeSpan.FromSeconds(60));
            Assert.Equal(20, targetEvents.All<MessageReceived>().Count(m => m.PeerId == friend.Identity.Id));
            Assert.True(Interlocked.Read(ref flooded) > 1000, $"the flooder only managed {flooded} frames");
        }
        finally
        {
            stop.Cancel();
            await flood.WaitAsync(EventWaiter.DefaultTimeout).ContinueWith(_ => { });
            await flooder.CloseAsync();
        }
    }
}
