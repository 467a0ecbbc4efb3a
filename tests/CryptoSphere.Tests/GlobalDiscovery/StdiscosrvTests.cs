using CryptoSphere.Core.GlobalDiscovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Support;
using Xunit.Abstractions;

namespace CryptoSphere.Tests.GlobalDiscovery;

/// <summary>Against the real Syncthing discovery server (stdiscosrv) on 127.0.0.1.</summary>
public sealed class StdiscosrvTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _temp = new();
    private SyncthingServer? _server;

    private async Task<SyncthingServer> StartAsync() =>
        _server = await SyncthingServer.StartDiscoveryAsync(_temp.Combine("disco"));

    [SyncthingServerFact]
    public async Task AnAnnouncement_IsFiledUnderTheDeviceIdOfOurCertificate_AndALookupReturnsItsAddresses()
    {
        var server = await StartAsync();
        using var me = NodeIdentity.CreateEphemeral();
        using var client = new GlobalDiscoveryClient(DiscoveryServerUrl.Parse(server.DiscoveryUrl), me, Timeout);
        // The server drops loopback addresses: a LAN address (TEST-NET, never dialled here) and a relay by name.
        string[] addresses = ["cryptosphere://192.0.2.7:40001", "relay://localhost:22067/?id=P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2"];

        var reannounce = await client.AnnounceAsync(addresses, CancellationToken.None);
        var found = await client.LookupAsync(SyncthingDeviceId.FromCertificate(me.Certificate), CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal(addresses.Order(), found.Addresses.Order());
        Assert.InRange(reannounce, TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
        Assert.NotNull(found.Seen);
    }

    [SyncthingServerFact]
    public async Task ALookupOfAnUnknownDevice_IsNull()
    {
        var server = await StartAsync();
        using var me = NodeIdentity.CreateEphemeral();
        using var stranger = NodeIdentity.CreateEphemeral();
        using var client = new GlobalDiscoveryClient(DiscoveryServerUrl.Parse(server.DiscoveryUrl), me, Timeout);

        Assert.Null(await client.LookupAsync(SyncthingDeviceId.FromCertificate(stranger.Certificate), CancellationToken.None));
    }

    [SyncthingServerFact]
    public async Task AServerThatIsNotThePinnedId_IsRefused_ForAnnouncesAndLookups()
    {
        var server = await StartAsync();
        using var me = NodeIdentity.CreateEphemeral();
        var url = DiscoveryServerUrl.Parse($"https://127.0.0.1:{server.Port}/?id={SyncthingDeviceId.FromCertificate(me.Certificate)}");
        using var client = new GlobalDiscoveryClient(url, me, Timeout);

        var announce = await Assert.ThrowsAsync<DiscoveryException>(() => client.AnnounceAsync(["cryptosphere://192.0.2.7:1"], CancellationToken.None));
        var lookup = await Assert.ThrowsAsync<DiscoveryException>(() => client.LookupAsync(SyncthingDeviceId.FromCertificate(me.Certificate), CancellationToken.None));

        Assert.Contains("did not prove", announce.Message);
        Assert.Contains("did not prove", lookup.Message);
    }

    [SyncthingServerFact]
    public async Task AnAnnouncementWithOnlyLoopbackAddresses_IsRefusedByTheServer_WithAClearError()
    {
        var server = await StartAsync();
        using var me = NodeIdentity.CreateEphemeral();
        using var client = new GlobalDiscoveryClient(DiscoveryServerUrl.Parse(server.DiscoveryUrl), me, Timeout);

        var error = await Assert.ThrowsAsync<DiscoveryException>(() => client.AnnounceAsync(["cryptosphere://127.0.0.1:4000"], CancellationToken.None));

        Assert.Contains("400", error.Message);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 calls IAsyncLifetime, not IAsyncDisposable, on test classes: the servers must stop here.
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            output.WriteLine($"===== {SyncthingServer.DiscoveryProgram} =====\n{_server.Output}");
        }
        _temp.Dispose();
    }
}
