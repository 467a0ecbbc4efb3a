using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #4, send side: an address where a secure peer proved its ID is only ever reached over TLS to that ID.</summary>
public sealed class SecureAddressNeverPlaintextTests
{
    [Fact]
    public async Task Whoever_holds_a_secure_peers_port_after_it_left_gets_no_plaintext_and_the_message_waits_for_the_peer()
    {
        var events = new EventWaiter();
        // The default handshake timeout: the first handshake, with bob, must succeed however loaded the machine (a 2 s
        // limit here once kept the test quick, while the squatter below let each handshake run into it).
        await using var target = await TestNodes.StartAsync("target", events);
        var bob = await TestNodes.StartAsync("bob");
        var bobKey = TestNodes.KeyOf(bob);
        var bobId = bob.Identity.Id;
        Assert.True((await target.SendAsync(bobKey, "hi bob")).Success);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bobId);
        await bob.DisposeAsync();
        // Seen at once when bob's close reaches us; under a loaded full run it once took until the heartbeat (45 s).
        await events.WaitFor<SecurePeerDisconnected>(d => d.PeerId == bobId, TimeSpan.FromSeconds(60));

        // Someone else takes bob's port and answers in plain TCP, as an old (legacy) peer would: it reads what comes (one
        // read, as the original script does) and closes. A TLS ClientHello then fails at once, without a timeout.
        using var squatter = new TcpListener(IPAddress.Loopback, bobKey.Port);
        squatter.Start();
        var received = new MemoryStream();
        var accepting = Task.Run(async () =>
        {
            try
            {
                var buffer = new byte[64 * 1024];
                while (true)
                {
                    using var client = await squatter.AcceptTcpClientAsync();
                    var read = await client.GetStream().ReadAsync(buffer);
                    received.Write(buffer, 0, read);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
            {
            }
        });

        var result = await target.SendAsync(bobKey, "secret for bob");
        Assert.Equal(PeerProtocol.Secure, result.Protocol);
        Assert.Equal(MessageState.Queued, result.State);
        Assert.Equal(bobId.Value, target.Store.Outbox().Single(r => r.Message.Id == result.MessageId).Message.PeerId);
        // Even asked directly, the legacy side refuses that address.
        var legacy = await target.SendLegacyForTestsAsync(bobKey, "plaintext?");
        Assert.False(legacy.Success);
        Assert.Contains("nothing is sent there in plaintext", legacy.Error);

        squatter.Stop();
        await accepting;
        Assert.DoesNotContain("secret", System.Text.Encoding.UTF8.GetString(received.ToArray()));
        Assert.DoesNotContain("plaintext?", System.Text.Encoding.UTF8.GetString(received.ToArray()));
    }
}
