using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Faults;

/// <summary>
/// A test on <see cref="NatLab"/> networks with the real relay and discovery servers: it needs network namespaces,
/// nftables (the routers' NAT) and strelaysrv / stdiscosrv. Skipped with the reason where one is missing; a failure
/// instead where CRYPTOSPHERE_REQUIRE_NETNS=1 (.ci/run sets it and installs them).
/// </summary>
public sealed class NatLabFactAttribute() : RequiresFactAttribute(NetnsFactAttribute.Variable, Unavailable.Value)
{
    private static readonly Lazy<string?> Unavailable = new(() =>
        NetnsFactAttribute.Reason
        ?? (SyncthingServer.Find("nft") is null ? "nft (nftables) is not on PATH: apt-get install nftables" : null)
        ?? (SyncthingServer.Find(SyncthingServer.RelayProgram) is null || SyncthingServer.Find(SyncthingServer.DiscoveryProgram) is null
            ? "strelaysrv or stdiscosrv is not on PATH: apt-get install syncthing-relaysrv syncthing-discosrv"
            : null));
}
