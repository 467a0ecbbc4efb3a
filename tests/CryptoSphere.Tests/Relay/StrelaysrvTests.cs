using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Relay.Protocol;
using CryptoSphere.Core.Secure;
using CryptoSphere.Tests.Support;
using Xunit.Abstractions;

namespace CryptoSphere.Tests.Relay;

/// <summary>
/// Against the real Syncthing relay (strelaysrv) on 127.0.0.1: clients join, one reaches the other by device ID,
/// and our TLS 1.3 mutual authentication runs end to end through the session.
/// </summary>
public sealed class StrelaysrvTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly List<IAsyncDisposable> _owned = [];

    private async Task<SyncthingServer> StartRelayAsync(params string[] arguments)
    {
        var relay = await SyncthingServer.StartRelayAsync(_temp.Combine("relay"), arguments);
        _owned.Add(relay);
        return relay;
    }

    private async Task<RelayPeer> JoinAsync(SyncthingServer relay, RelayClientOptions? options = null)
    {
        var peer = await RelayPeer.StartAsync(relay.RelayUrl(), options);
        _owned.Insert(0, peer);
        return peer;
    }

    private static async Task<T> Within<T>(Task<T> task, string what) =>
        await task.WaitAsync(RelayPeer.Timeout).ContinueWith(t => t.IsFaulted && t.Exception!.InnerException is TimeoutException
            ? throw new TimeoutException($"not within {RelayPeer.Timeout.TotalSeconds} s: {what}")
            : t.Result);

    // strelaysrv may fail the invited side's join when both joins arrive at once; the dialer then asks again.
    private static async Task<(SslStream Stream, PeerId Remote)> DialAsync(RelayPeer from, SyncthingServer relay, RelayPeer to, PeerId? expected = null)
    {
        var dialer = new RelayDialer(from.Identity, RelayPeer.Timeout);
        for (var attempt = 1; ; attempt++)
        {
            var session = await dialer.ConnectAsync(RelayUrl.Parse(relay.RelayUrl()), to.Device, CancellationToken.None);
            Assert.False(session.IsTlsServer);
            Assert.Equal(to.Device, session.ClaimedDevice);
            try
            {
                return await RelaySecureHandshake.RunAsync(session, from.Identity, expected ?? to.Identity.Id, TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            catch (TimeoutException) when (attempt < 3)
            {
                await session.DisposeAsync();
            }
        }
    }

    private static async Task AssertPipeAsync(Stream a, Stream b)
    {
        var ping = Encoding.UTF8.GetBytes("hello through the relay");
        await a.WriteAsync(ping);
        await a.FlushAsync();
        var received = new byte[ping.Length];
        await b.ReadExactlyAsync(received).AsTask().WaitAsync(RelayPeer.Timeout);
        Assert.Equal(ping, received);
        var pong = new byte[100_000];
        Random.Shared.NextBytes(pong);
        await b.WriteAsync(pong);
        await b.FlushAsync();
        var back = new byte[pong.Length];
        await a.ReadExactlyAsync(back).AsTask().WaitAsync(RelayPeer.Timeout);
        Assert.Equal(pong, back);
    }

    [SyncthingServerFact]
    public async Task TwoJoinedClients_ReachEachOtherByDeviceId_AndTls13MutualAuthProvesBothPeerIds()
    {
        var relay = await StartRelayAsync();
        var alice = await JoinAsync(relay);
        var bob = await JoinAsync(relay);

        var (aliceSide, bobAsAliceSees) = await DialAsync(alice, relay, bob);
        var (bobSide, aliceAsBobSees) = await Within(bob.Accepted.Reader.ReadAsync().AsTask(), "bob's handshake on the invitation");

        Assert.Equal(bob.Identity.Id, bobAsAliceSees);
        Assert.Equal(alice.Identity.Id, aliceAsBobSees);
        Assert.Equal(SslProtocols.Tls13, aliceSide.SslProtocol);
        Assert.Equal(SslProtocols.Tls13, bobSide.SslProtocol);
        await AssertPipeAsync(aliceSide, bobSide);
        await aliceSide.DisposeAsync();
        await bobSide.DisposeAsync();
    }

    [SyncthingServerFact]
    public async Task TheRelaysPrintedId_IsTheDeviceIdWeComputeFromItsCertificate()
    {
        var relay = await StartRelayAsync();
        var pem = await File.ReadAllTextAsync(_temp.Combine("relay", "cert.pem"));
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);

        Assert.Equal(relay.DeviceId, SyncthingDeviceId.FromCertificate(certificate).ToString());
    }

    [SyncthingServerFact]
    public async Task ARelayWhoseCertificateIsNotTheConfiguredId_IsRefused()
    {
        var relay = await StartRelayAsync();
        using var someoneElse = NodeIdentity.CreateEphemeral();
        var wrongId = SyncthingDeviceId.FromCertificate(someoneElse.Certificate);
        using var me = NodeIdentity.CreateEphemeral();

        var error = await Assert.ThrowsAsync<RelayIdentityException>(() =>
            new RelayDialer(me, RelayPeer.Timeout).ConnectAsync(RelayUrl.Parse($"relay://127.0.0.1:{relay.Port}/?id={wrongId}"), wrongId, CancellationToken.None));

        Assert.Equal(relay.DeviceId, error.Actual.ToString());
    }

    [SyncthingServerFact]
    public async Task AskingForAPeerThatIsNotJoined_IsARefusalNamingIt()
    {
        var relay = await StartRelayAsync();
        var alice = await JoinAsync(relay);
        using var absent = NodeIdentity.CreateEphemeral();

        var error = await Assert.ThrowsAsync<RelayRefusedException>(() => new RelayDialer(alice.Identity, RelayPeer.Timeout)
            .ConnectAsync(RelayUrl.Parse(relay.RelayUrl()), SyncthingDeviceId.FromCertificate(absent.Certificate), CancellationToken.None));

        Assert.True(error.PeerNotJoined, error.Message);
    }

    [SyncthingServerFact]
    public async Task AJoinedClient_AnswersThePings_AndStaysJoinedPastTheRelaysNetworkTimeout()
    {
        // The relay pings every second and drops a client it hears nothing from for three.
        var relay = await StartRelayAsync("-ping-interval=1s", "-network-timeout=3s");
        var alice = await JoinAsync(relay, new RelayClientOptions { PingInterval = TimeSpan.FromMinutes(5) });
        var bob = await JoinAsync(relay);

        await Eventually.HoldsAsync(() => alice.Client.PingsAnswered >= 5, "alice answered five pings", RelayPeer.Timeout);

        Assert.Equal(1, alice.Client.JoinCount);
        Assert.Equal(RelayClientState.Joined, alice.Client.State);
        var (bobSide, aliceId) = await DialAsync(bob, relay, alice);
        Assert.Equal(alice.Identity.Id, aliceId);
        await bobSide.DisposeAsync();
    }

    [SyncthingServerFact]
    public async Task AfterTheRelayRestarts_TheClientRejoins_AndCanBeReachedAgain()
    {
        var relay = await StartRelayAsync();
        var fast = new RelayClientOptions { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) };
        var alice = await JoinAsync(relay, fast);
        var bob = await JoinAsync(relay, fast);
        var lost = new TaskCompletionSource();
        alice.Client.JoinedChanged += joined =>
        {
            if (!joined)
                lost.TrySetResult();
        };

        await relay.StopAsync();
        await Within(lost.Task.ContinueWith(_ => 0), "alice noticed the relay is gone");
        await relay.StartAsync();
        await Within(alice.Client.WaitJoinedAsync().ContinueWith(_ => 0), "alice rejoined");
        await Within(bob.Client.WaitJoinedAsync().ContinueWith(_ => 0), "bob rejoined");

        Assert.Equal(2, alice.Client.JoinCount);
        var (bobSide, aliceId) = await DialAsync(bob, relay, alice);
        Assert.Equal(alice.Identity.Id, aliceId);
        await bobSide.DisposeAsync();
    }

    [SyncthingServerFact]
    public async Task ARelayThatPairsUsWithTheWrongPeer_IsCaughtByOurHandshake()
    {
        var relay = await StartRelayAsync();
        var bob = await JoinAsync(relay);
        var mallory = await JoinAsync(relay);
        using var aliceIdentity = NodeIdentity.CreateEphemeral();
        await using var liar = await LyingRelay.StartAsync(relay, mallory.Device);

        using var log = new CapturingLoggerProvider();
        using var factory = log.CreateFactory();

        // The real relay sometimes pairs the session with nobody (mallory's client joined another of its sessions),
        // and the handshake then times out: a relay race, not an answer. The dial is tried again, at most three
        // times; a handshake that hangs on a wrong peer instead of refusing it would time out every time and fail.
        PeerIdMismatchException? error = null;
        var dials = 0;
        while (error is null)
        {
            dials++;
            try
            {
                await DialViaAsync(aliceIdentity, liar.Url, bob.Device, bob.Identity.Id, factory.CreateLogger("dialer"));
                Assert.Fail("the dial through the lying relay succeeded with the wrong peer");
            }
            catch (PeerIdMismatchException e)
            {
                error = e;
            }
            catch (TimeoutException) when (dials < 3)
            {
            }
        }

        Assert.Equal(bob.Identity.Id, error.Expected);
        Assert.Equal(mallory.Identity.Id, error.Actual);
        // The mismatch is never retried: one request per dial, plus one per time the real relay lost its pairing
        // race ("already connected", which the dialer retries with a fresh session and logs).
        var raceRetries = log.Lines.Count(l => l.Contains("lost the race", StringComparison.Ordinal));
        Assert.Equal(dials + raceRetries, liar.Requests);
    }

    private static async Task<(SslStream, PeerId)> DialViaAsync(NodeIdentity me, RelayUrl relay, SyncthingDeviceId device, PeerId expected,
        Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var session = await new RelayDialer(me, RelayPeer.Timeout, logger).ConnectAsync(relay, device, CancellationToken.None);
        return await RelaySecureHandshake.RunAsync(session, me, expected, RelayPeer.Timeout, CancellationToken.None);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 calls IAsyncLifetime, not IAsyncDisposable, on test classes: the servers must stop here.
    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
            if (owned is SyncthingServer server)
                output.WriteLine($"===== {SyncthingServer.RelayProgram} on {server.Port} =====\n{server.Output}");
        }
        _temp.Dispose();
    }
}
