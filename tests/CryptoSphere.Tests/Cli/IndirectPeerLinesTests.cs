using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>Peers met through peer exchange are listed, not announced a line each (real nodes, real sockets).</summary>
public class IndirectPeerLinesTests
{
    [Fact]
    public async Task A_peer_reached_through_exchange_gets_no_line_while_one_the_user_dialled_does()
    {
        var aEvents = new EventWaiter();
        var cEvents = new EventWaiter();
        await using var a = await TestNodes.StartAsync("a", aEvents);
        await using var b = await TestNodes.StartAsync("b");
        await using var c = await TestNodes.StartAsync("c", cEvents);
        Assert.True((await b.SendAsync(TestNodes.KeyOf(c), "hi c")).Success);
        Assert.True((await a.SendAsync(TestNodes.KeyOf(b), "hi b")).Success);

        await aEvents.WaitFor<SecurePeerConnected>(e => e.PeerId == c.Identity.Id);
        await cEvents.WaitFor<SecurePeerConnected>(e => e.PeerId == a.Identity.Id);

        // Whichever of A and C dialled, its side of the connection came from the exchange and is not announced.
        var sides = aEvents.All<SecurePeerConnected>().Where(e => e.PeerId == c.Identity.Id)
            .Concat(cEvents.All<SecurePeerConnected>().Where(e => e.PeerId == a.Identity.Id)).ToList();
        var exchanged = Assert.Single(sides, e => e.Source == PeerSource.Exchanged);
        Assert.Null(EventText.Describe(exchanged));
        var dialled = Assert.Single(aEvents.All<SecurePeerConnected>(), e => e.PeerId == b.Identity.Id);
        Assert.Contains("Secure connection with b", EventText.Describe(dialled));
    }
}
