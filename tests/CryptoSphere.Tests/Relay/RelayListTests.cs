using System.Diagnostics;
using CryptoSphere.Core.GlobalDiscovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay;
using CryptoSphere.Tests.Support;
using Xunit.Abstractions;

namespace CryptoSphere.Tests.Relay;

/// <summary>
/// Reaching a peer whose relays, as the real discovery server lists them, do not answer (hunt C3b): a few at a time,
/// at most <see cref="AcrossNetworks.MaxRelaysTried"/>, and the sender is told what happened.
/// </summary>
public sealed class RelayListTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _temp = new();
    private readonly List<IAsyncDisposable> _owned = [];

    [SyncthingServerFact]
    public async Task ManyDeadRelaysListed_AreDialledSeveralAtOnce_AtMostEight_AndTheReasonSaysTheyDidNotAnswer()
    {
        var disco = await SyncthingServer.StartDiscoveryAsync(_temp.Combine("disco"));
        _owned.Add(disco);
        var holes = new BlackHoleRelays(12);
        _owned.Insert(0, holes);
        using var peer = NodeIdentity.CreateEphemeral();
        using var me = NodeIdentity.CreateEphemeral();
        // The peer announces twelve relays; "localhost" because the server drops loopback IPs, not names.
        using (var announcer = new GlobalDiscoveryClient(DiscoveryServerUrl.Parse(disco.DiscoveryUrl), peer, TimeSpan.FromSeconds(20)))
        {
            var relayId = SyncthingDeviceId.FromCertificate(me.Certificate);
            await announcer.AnnounceAsync(holes.Ports.Select(p => $"relay://localhost:{p}/?id={relayId}").ToArray(), CancellationToken.None);
        }
        // Each dial waits 10 s for a TLS answer that never comes: one after the other, twelve took two minutes.
        var options = new RelayClientOptions { Timeout = TimeSpan.FromSeconds(10) };
        var across = new AcrossNetworks(new AcrossNetworksOptions(DiscoveryServer: DiscoveryServerUrl.Parse(disco.DiscoveryUrl)), me, () => [], options);
        _owned.Insert(0, across);

        var clock = Stopwatch.StartNew();
        var attempt = across.TryConnectAsync(SyncthingDeviceId.FromCertificate(peer.Certificate), [], CancellationToken.None);
        // Several dials are open at once (sequential dials never get here: each closes at its timeout before the next).
        await holes.OpenAtOnceAsync(AcrossNetworks.ParallelDials).WaitAsync(Generous);
        var result = await attempt.WaitAsync(Generous);
        output.WriteLine($"{clock.Elapsed}: {result.Failure}");

        Assert.Null(result.Session);
        Assert.StartsWith($"relays did not answer (tried {AcrossNetworks.MaxRelaysTried}", result.Failure);
        Assert.Equal(AcrossNetworks.MaxRelaysTried, holes.Accepted);
    }

    [SyncthingServerFact]
    public async Task ALookupThatFails_IsTheReasonGiven_AndIsWarnedOnce_NotOncePerSend()
    {
        var disco = await SyncthingServer.StartDiscoveryAsync(_temp.Combine("disco"));
        _owned.Add(disco);
        using var me = NodeIdentity.CreateEphemeral();
        using var peer = NodeIdentity.CreateEphemeral();
        var log = new CapturingLoggerProvider();
        using var factory = log.CreateFactory();
        // The pinned ID is not the server's (a copy-paste of the relay's, as in the hunt): every lookup is refused.
        var wrongPin = DiscoveryServerUrl.Parse($"https://127.0.0.1:{disco.Port}/?id={SyncthingDeviceId.FromCertificate(peer.Certificate)}");
        var across = new AcrossNetworks(new AcrossNetworksOptions(DiscoveryServer: wrongPin), me, () => [], logger: factory.CreateLogger("test"));
        _owned.Insert(0, across);
        var device = SyncthingDeviceId.FromCertificate(peer.Certificate);

        var first = await across.TryConnectAsync(device, [], CancellationToken.None).WaitAsync(Generous);
        var second = await across.TryConnectAsync(device, [], CancellationToken.None).WaitAsync(Generous);

        Assert.Null(first.Session);
        Assert.StartsWith("discovery lookup failed: ", first.Failure);
        Assert.Contains("did not prove", first.Failure);
        Assert.Equal(first.Failure, second.Failure);
        Assert.Single(log.Lines, l => l.StartsWith("Warning") && l.Contains("Discovery lookup of"));
    }

    [SyncthingServerFact]
    public async Task ARelayThatAnswersThePeerIsNotJoined_IsReportedAsSuch_NotAsSilent()
    {
        var relay = await SyncthingServer.StartRelayAsync(_temp.Combine("relay"));
        _owned.Add(relay);
        using var me = NodeIdentity.CreateEphemeral();
        using var absent = NodeIdentity.CreateEphemeral();
        var across = new AcrossNetworks(AcrossNetworksOptions.LanOnly, me, () => []);
        _owned.Insert(0, across);

        var result = await across.TryConnectAsync(SyncthingDeviceId.FromCertificate(absent.Certificate), [RelayUrl.Parse(relay.RelayUrl())],
            CancellationToken.None).WaitAsync(Generous);

        Assert.Null(result.Session);
        Assert.Equal("no relay has it joined (asked 1)", result.Failure);
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
