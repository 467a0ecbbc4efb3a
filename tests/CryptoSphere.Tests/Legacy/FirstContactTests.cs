using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// The first message to an address nothing is known of: committed before the network is tried, an old
/// peer never sees a TLS ClientHello (the original prints it as a decode error), a CryptoSphere node still
/// gets it over TLS. Real nodes, raw sockets.
/// </summary>
public class FirstContactTests
{
    [Fact]
    public async Task AnOldPeer_GetsTheFirstMessage_OnOneConnection_WithoutATlsClientHello()
    {
        await using var oldPeer = RawLegacyPeer.Start();
        await using var node = await TestNodes.StartAsync("alice");

        var result = await node.SendAsync(oldPeer.Key, "hello old friend");

        Assert.True(result.Success, result.Error);
        Assert.Equal(PeerProtocol.Legacy, result.Protocol);
        Assert.Equal($"<127.0.0.1:{node.Port}> @ <alice>\nhello old friend\n<end>", await oldPeer.ReceiveStringAsync());
        Assert.Equal(0, oldPeer.TlsProbes);
        Assert.Equal(1, oldPeer.Connections);
    }

    [Fact]
    public async Task ANewAddress_ThatIsACryptoSphereNode_GetsTheMessageOverTls()
    {
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice");
        await using var bob = await TestNodes.StartAsync("bob", bobEvents);

        var result = await alice.SendAsync(TestNodes.KeyOf(bob), "are you secure?");

        Assert.Equal(PeerProtocol.Secure, result.Protocol);
        await result.Delivered!.WaitAsync(EventWaiter.DefaultTimeout);
        var received = await bobEvents.WaitFor<MessageReceived>(m => m.Text == "are you secure?");
        Assert.Equal(PeerProtocol.Secure, received.Protocol);
        // Filed under the peer's conversation, not the address it was first typed as.
        var stored = Assert.Single(alice.Store.History(null, 10));
        Assert.Equal(bob.Identity.Id.Value, stored.PeerId);
        Assert.Equal(PeerProtocol.Secure, stored.Protocol);
    }

    [Fact]
    public async Task TheMessage_IsCommitted_BeforeTheNetworkIsTried()
    {
        // Accepts and then says nothing and never closes, as the original does with a connection it did not expect.
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var address = new PeerKey(TestNodes.Loopback, ((IPEndPoint)blackHole.LocalEndpoint).Port);
        await using var node = await TestNodes.StartAsync("alice");

        var sending = node.SendAsync(address, "kept whatever happens");
        using var accepted = await blackHole.AcceptSocketAsync().WaitAsync(EventWaiter.DefaultTimeout);

        // The node is still waiting on the network: a kill -9 now must not lose the message.
        Assert.False(sending.IsCompleted);
        var stored = Assert.Single(node.Store.History(null, 10));
        Assert.Equal("kept whatever happens", stored.Text);
        Assert.Equal(MessageState.Queued, stored.State);
        await sending;
    }

    [Fact]
    public async Task AnAddressThatGreetsButFailsTheHandshake_GetsNoPlaintext_AndTheMessageWaits()
    {
        // Greets as a CryptoSphere node, then closes on the ClientHello: a node in trouble, never an old peer.
        using var impostor = new TcpListener(IPAddress.Loopback, 0);
        impostor.Start();
        var address = new PeerKey(TestNodes.Loopback, ((IPEndPoint)impostor.LocalEndpoint).Port);
        var seen = new List<byte>();
        var serving = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                using var socket = await impostor.AcceptSocketAsync();
                await socket.SendAsync(CryptoSphere.Core.Sessions.ServerGreeting.Bytes, SocketFlags.None);
                var buffer = new byte[4096];
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
                lock (seen)
                    seen.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        });
        await using var node = await TestNodes.StartAsync("alice");

        var result = await node.SendAsync(address, "not for plaintext");

        Assert.False(result.Success);
        Assert.Equal(MessageState.Queued, result.State);
        lock (seen)
        {
            Assert.NotEmpty(seen);
            Assert.Equal(0x16, seen[0]);
            Assert.DoesNotContain("not for plaintext", System.Text.Encoding.UTF8.GetString(seen.ToArray()));
        }
        Assert.Equal(MessageState.Queued, Assert.Single(node.Store.History(null, 10)).State);
    }
}
