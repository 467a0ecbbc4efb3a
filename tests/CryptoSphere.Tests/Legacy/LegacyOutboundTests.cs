using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>The sending side of the plaintext protocol: every failure is a result the caller sees, never an exception.</summary>
public sealed class LegacyOutboundTests
{
    private const string Ip = TestNodes.Loopback;

    [Fact]
    public async Task A_connection_request_that_cannot_be_delivered_is_reported_and_drops_only_that_peer()
    {
        await using var logged = await LoggedNode.StartAsync("alice");
        var (alice, events) = (logged.Node, logged.Events);
        await using var alive = RawLegacyPeer.Start();
        var gone = new PeerKey(Ip, TestNodes.DeadPort());
        foreach (var port in new[] { alive.Port, gone.Port })
        {
            await RawLegacyPeer.SendAsync(alice.Port, $"<{Ip}:{port}> @ <old>\nhi\n<end>");
            await events.WaitFor<PeerAdded>(a => a.Peer.Key.Port == port);
        }

        var results = await alice.RequestConnectionsAsync();

        Assert.True(results.Single(r => r.To == alive.Key).Success);
        var failed = results.Single(r => r.To == gone);
        Assert.False(failed.Success);
        Assert.False(string.IsNullOrWhiteSpace(failed.Error));
        var reported = await events.WaitFor<SendFailed>();
        Assert.Equal((gone, failed.Error), (reported.To, reported.Reason));
        Assert.Single(events.All<SendFailed>());
        var removed = await events.WaitFor<PeerRemoved>();
        Assert.Equal((gone, PeerRemovalReason.Unreachable), (removed.Peer.Key, removed.Reason));
        Assert.Equal([alive.Key], alice.Peers.Snapshot().Select(p => p.Key));
        Assert.Contains(logged.Log.Lines, l => l.Contains("Legacy.LegacyOutbound") && l.Contains($"Send to {gone} failed: {failed.Error}"));
        Assert.Equal($"<{Ip}:{alice.Port}> @ <alice>\nCONNECTION_REQUEST\n<end>", await alive.ReceiveStringAsync());
    }

    [Fact]
    public async Task Nothing_is_sent_in_plaintext_to_the_address_of_a_secure_peer()
    {
        await using var alice = await TestNodes.StartAsync("alice");
        // Whatever listens there would receive the plaintext: an old peer on the port of a secure one.
        await using var listener = RawLegacyPeer.Start();
        using var secure = NodeIdentity.CreateEphemeral();
        alice.Peers.Touch(listener.Key, "bob", PeerProtocol.Secure, DateTimeOffset.UtcNow, countsAsMessage: false, secure.Id);

        var result = await alice.SendLegacyForTestsAsync(listener.Key, "plaintext?");

        Assert.False(result.Success);
        Assert.Equal($"{listener.Key} is the address of secure peer {secure.Id.Short}: nothing is sent there in plaintext", result.Error);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task A_peer_that_resets_the_connection_mid_message_is_a_failed_send_not_an_exception()
    {
        await using var alice = await TestNodes.StartAsync("alice");
        using var resetter = new TcpListener(IPAddress.Loopback, 0);
        resetter.Start();
        var key = new PeerKey(Ip, ((IPEndPoint)resetter.LocalEndpoint).Port);
        // Closing with the message unread resets the connection; the message is far larger than the socket buffers.
        var closing = Task.Run(async () =>
        {
            using var accepted = await resetter.AcceptSocketAsync();
            accepted.LingerState = new LingerOption(true, 0);
        });

        var result = await alice.SendLegacyForTestsAsync(key, new string('r', 16 * 1024 * 1024));

        await closing;
        Assert.False(result.Success);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }
}
