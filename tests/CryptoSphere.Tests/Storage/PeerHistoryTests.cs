using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Storage;

/// <summary>The peer table lives in memory; its history (who, protocol, last seen, why gone) outlives a restart.</summary>
public sealed class PeerHistoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Peers_seen_and_removed_are_in_the_database_after_a_restart()
    {
        var events = new EventWaiter();
        using (var store = ChatStore.Open(_dir.Path))
        {
            await using var node = await TestNodes.StartAsync("n", events, store: store);
            await RawLegacyPeer.SendAsync(node.Port, "<127.0.0.1:7001> @ <stays>\nhi\n<end>");
            await RawLegacyPeer.SendAsync(node.Port, "<127.0.0.1:7002> @ <leaves>\nhi\n<end>");
            await events.WaitFor<MessageReceived>(m => m.Name == "leaves");
            await events.WaitFor<MessageReceived>(m => m.Name == "stays");
            await RawLegacyPeer.SendAsync(node.Port, "<127.0.0.1:7002> DISCONNECT");
            await events.WaitFor<PeerRemoved>(r => r.Peer.Name == "leaves");
        }

        using var reopened = ChatStore.Open(_dir.Path);
        var known = reopened.KnownPeers().ToDictionary(p => p.Peer.Name);
        Assert.Equal(new PeerKey("127.0.0.1", 7001), known["stays"].Peer.Key);
        Assert.Equal(PeerProtocol.Legacy, known["stays"].Peer.Protocol);
        Assert.Equal(1, known["stays"].Peer.MessageCount);
        Assert.Null(known["stays"].RemovedAt);
        Assert.Equal(nameof(PeerRemovalReason.Disconnected), known["leaves"].RemovedReason);
        Assert.NotNull(known["leaves"].RemovedAt);
    }
}
