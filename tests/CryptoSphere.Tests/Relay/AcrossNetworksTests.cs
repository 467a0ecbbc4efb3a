using CryptoSphere.Core.GlobalDiscovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Relay.Protocol;
using CryptoSphere.Core.Secure;
using CryptoSphere.Tests.Support;
using Xunit.Abstractions;

namespace CryptoSphere.Tests.Relay;

/// <summary>Reaching a peer beyond the LAN with only what is configured, against the real servers.</summary>
public sealed class AcrossNetworksTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _temp = new();
    private readonly List<IAsyncDisposable> _owned = [];

    [Fact]
    public async Task WithNothingConfigured_NoClientExists_AndNoPeerIsReachedThroughAnyServer()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        using var stranger = NodeIdentity.CreateEphemeral();
        await using var lanOnly = new AcrossNetworks(AcrossNetworksOptions.LanOnly, identity, () => ["cryptosphere://192.0.2.1:5000"]);

        lanOnly.Start();
        var session = await lanOnly.ConnectAsync(SyncthingDeviceId.FromCertificate(stranger.Certificate), [], CancellationToken.None);

        Assert.False(lanOnly.Options.IsConfigured);
        Assert.Null(lanOnly.RelayClient);
        Assert.Null(lanOnly.Discovery);
        Assert.Null(lanOnly.Announcer);
        Assert.Null(session);
    }

    [SyncthingServerFact]
    public async Task APeerWithOnlyTheDiscoveryServer_FindsTheOthersRelayByDeviceId_AndTheHandshakeProvesWhoAnswered()
    {
        var relay = await SyncthingServer.StartRelayAsync(_temp.Combine("relay"));
        _owned.Add(relay);
        var disco = await SyncthingServer.StartDiscoveryAsync(_temp.Combine("disco"));
        _owned.Add(disco);
        // "localhost": the discovery server drops loopback IPs from announcements, not names.
        var bobOptions = Parse(relay.RelayUrl("localhost"), disco.DiscoveryUrl);
        var aliceOptions = Parse(null, disco.DiscoveryUrl);
        using var bobIdentity = NodeIdentity.CreateEphemeral();
        using var aliceIdentity = NodeIdentity.CreateEphemeral();
        var bob = Own(new AcrossNetworks(bobOptions, bobIdentity, () => ["cryptosphere://192.0.2.7:40001"]));
        var alice = Own(new AcrossNetworks(aliceOptions, aliceIdentity, () => ["cryptosphere://198.51.100.3:40001"]));
        var bobAnnouncedRelay = new TaskCompletionSource<IReadOnlyCollection<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Announcer!.Announced += addresses =>
        {
            if (addresses.Any(a => a.StartsWith("relay://", StringComparison.Ordinal)))
                bobAnnouncedRelay.TrySetResult(addresses);
        };
        var bobHandshake = new TaskCompletionSource<PeerId>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Invited += invitation => _ = Task.Run(async () =>
        {
            try
            {
                var session = await bob.AcceptAsync(invitation, CancellationToken.None);
                var (stream, remote) = await RelaySecureHandshake.RunAsync(session, bobIdentity, null, Timeout, CancellationToken.None);
                await stream.DisposeAsync();
                bobHandshake.TrySetResult(remote);
            }
            catch (Exception e) when (e is RelayRefusedException or TimeoutException or IOException)
            {
                // strelaysrv can refuse one side's join of a session (the race handled below): alice asks for a new
                // session and bob gets a new invitation; only a handshake that never completes fails the test.
            }
        });

        bob.Start();
        alice.Start();
        var announced = await bobAnnouncedRelay.Task.WaitAsync(Timeout);
        // strelaysrv may fail bob's session join when both joins arrive at once (RelayReach asks again the same way).
        System.Net.Security.SslStream? aliceStream = null;
        PeerId bobAsSeen = default;
        for (var attempt = 1; aliceStream is null; attempt++)
        {
            var session = await alice.ConnectAsync(bob.Device, [], CancellationToken.None);
            Assert.NotNull(session);
            try
            {
                (aliceStream, bobAsSeen) = await RelaySecureHandshake.RunAsync(session, aliceIdentity, bobIdentity.Id, TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            catch (TimeoutException) when (attempt < 3)
            {
                await session.DisposeAsync();
            }
        }

        Assert.Contains(relay.RelayUrl("localhost"), announced);
        Assert.Null(alice.RelayClient);
        await aliceStream.DisposeAsync();
        Assert.Equal(bobIdentity.Id, bobAsSeen);
        Assert.Equal(aliceIdentity.Id, await bobHandshake.Task.WaitAsync(Timeout));
    }

    [Fact]
    public void TheInvitationGate_CountsStrangersUpToItsCap_AndNeverCountsTrustedContacts()
    {
        var gate = new RelayInvitationGate(strangerCap: 2);

        Assert.True(gate.TryEnter(fromTrustedContact: false));
        Assert.True(gate.TryEnter(fromTrustedContact: false));
        Assert.False(gate.TryEnter(fromTrustedContact: false)); // a third stranger while two sessions are open
        Assert.True(gate.TryEnter(fromTrustedContact: true));   // a contact is never locked out by strangers
        Assert.Equal(2, gate.Strangers);
        gate.Exit(fromTrustedContact: true);
        gate.Exit(fromTrustedContact: false);                   // one stranger's session ended: room for another
        Assert.True(gate.TryEnter(fromTrustedContact: false));
        Assert.Equal(2, gate.Strangers);
    }

    private static AcrossNetworksOptions Parse(string? relay, string? discovery)
    {
        Assert.True(AcrossNetworksOptions.TryParse(relay, discovery, out var options, out var error), error);
        return options;
    }

    private AcrossNetworks Own(AcrossNetworks across)
    {
        _owned.Insert(0, across);
        return across;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 calls IAsyncLifetime, not IAsyncDisposable, on test classes: the servers must stop here.
    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
            if (owned is SyncthingServer server)
                output.WriteLine($"===== server on {server.Port} =====\n{server.Output}");
        }
        _temp.Dispose();
    }
}
