using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Peers;

/// <summary>How a peer is reached, as the peer table, listen --json and the web page say it.</summary>
public sealed class LocalNetworksTests
{
    [Fact]
    public void Reach_is_relayed_for_a_relay_key_LAN_for_this_machine_s_subnets_and_direct_elsewhere()
    {
        using var someone = NodeIdentity.CreateEphemeral();

        Assert.Equal(PeerReach.Relayed, LocalNetworks.ReachOf(new PeerKey($"relay~{someone.Id.Value}", 22067)));
        Assert.Equal(PeerReach.Lan, LocalNetworks.ReachOf(new PeerKey("127.0.0.1", 5000)));
        Assert.Equal(PeerReach.Lan, LocalNetworks.ReachOf(new PeerKey("::1", 5000)));
        // TEST-NET-3 is on no machine's interface.
        Assert.Equal(PeerReach.Direct, LocalNetworks.ReachOf(new PeerKey("203.0.113.9", 5000)));
        Assert.Equal(PeerReach.Direct, LocalNetworks.ReachOf(new PeerKey("peer.example", 5000)));
        Assert.Equal(["LAN", "direct", "relayed"], new[] { PeerReach.Lan, PeerReach.Direct, PeerReach.Relayed }.Select(LocalNetworks.Label));
    }
}
