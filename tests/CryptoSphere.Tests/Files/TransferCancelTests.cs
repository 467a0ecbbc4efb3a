using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>Either side can cancel, before or during the transfer; the partial file goes, both sides are told.</summary>
public sealed class TransferCancelTests : IDisposable
{
    private const int FileSize = 6 * 1024 * 1024;

    private readonly TempDirectory _dir = new();
    private readonly string _downloads;

    public TransferCancelTests() => _downloads = Path.Combine(_dir.Path, "downloads");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_sender_cancels_mid_transfer_and_the_receiver_deletes_its_partial_file()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { DownloadsDirectory = _downloads });
        TestFiles.AcceptEverything(bob);
        await using var relay = new StallingRelay(bob.Port, stallAfterBytes: 1024 * 1024);
        var id = (await alice.OfferFileAsync(relay.Key, TestFiles.Random(_dir, "a.bin", FileSize))).Info().Id;
        await bobEvents.For<TransferProgress>(id);
        await relay.Stalled;
        Assert.Single(TestFiles.PartialFiles(_downloads));

        Assert.True((await alice.CancelTransferAsync(id)).Success);
        var atAlice = await aliceEvents.For<TransferCancelled>(id);
        relay.Resume();
        var atBob = await bobEvents.For<TransferCancelled>(id);

        Assert.False(atAlice.ByPeer);
        Assert.True(atBob.ByPeer);
        Assert.Contains("cancelled by alice", atBob.Reason);
        Assert.Empty(TestFiles.In(_downloads));
        Assert.Equal(TransferState.Cancelled, bob.FindTransfer(id)!.State);
        Assert.Equal(TransferState.Cancelled, alice.TransferHistory.Find(id)!.State);
        Assert.False((await alice.CancelTransferAsync(id)).Success);
    }

    [Fact]
    public async Task The_receiver_cancels_mid_transfer_and_the_sender_stops()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { DownloadsDirectory = _downloads });
        TestFiles.AcceptEverything(bob);
        await using var relay = new StallingRelay(bob.Port, stallAfterBytes: 1024 * 1024);
        var id = (await alice.OfferFileAsync(relay.Key, TestFiles.Random(_dir, "b.bin", FileSize))).Info().Id;
        await bobEvents.For<TransferProgress>(id);
        await relay.Stalled;

        Assert.True((await bob.CancelTransferAsync(id)).Success);
        var atAlice = await aliceEvents.For<TransferCancelled>(id);
        var atBob = await bobEvents.For<TransferCancelled>(id);
        relay.Resume();

        Assert.True(atAlice.ByPeer);
        Assert.Contains("cancelled by bob", atAlice.Reason);
        Assert.False(atBob.ByPeer);
        Assert.Empty(TestFiles.In(_downloads));
        Assert.True(alice.BytesSentFor(id) < FileSize);
        // The connection itself is fine: chat still flows.
        var sent = await alice.SendAsync(TestNodes.KeyOf(bob), "still friends?");
        await sent.Delivered!.WaitAsync(TestFiles.Timeout);
    }

    [Fact]
    public async Task A_cancel_made_while_the_receiver_is_offline_reaches_it_when_it_is_back()
    {
        var aliceEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        var bobDir = _dir.Combine("bob");
        Guid id;
        await using (var bob = await StoredNode.StartAsync("bob", bobDir, configure: o => o with { DownloadsDirectory = _downloads }))
        {
            TestFiles.AcceptEverything(bob.Node);
            await using var relay = new StallingRelay(bob.Port, stallAfterBytes: 1024 * 1024);
            id = (await alice.OfferFileAsync(relay.Key, TestFiles.Random(_dir, "d.bin", FileSize))).Info().Id;
            await bob.Events.For<TransferProgress>(id);
            await relay.Stalled;
        }
        await aliceEvents.For<TransferInterrupted>(id);
        Assert.True((await alice.CancelTransferAsync(id)).Success);
        Assert.Single(TestFiles.PartialFiles(_downloads));

        await using var restarted = await StoredNode.StartAsync("bob", bobDir, configure: o => o with { DownloadsDirectory = _downloads });
        var bobEvents = restarted.Events;

        var cancelled = await bobEvents.For<TransferCancelled>(id);
        Assert.True(cancelled.ByPeer);
        Assert.Empty(TestFiles.In(_downloads));
        Assert.Equal(TransferState.Cancelled, restarted.Node.TransferHistory.Find(id)!.State);
    }

    [Fact]
    public async Task The_sender_withdraws_an_offer_before_it_is_answered()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { DownloadsDirectory = _downloads });
        var id = (await alice.OfferFileAsync(TestNodes.KeyOf(bob), TestFiles.Random(_dir, "c.bin", 10_000))).Info().Id;
        await bobEvents.For<TransferOffered>(id);

        Assert.True((await alice.CancelTransferAsync(id)).Success);
        await bobEvents.For<TransferCancelled>(id);

        Assert.False((await bob.AcceptTransferAsync(id)).Success);
        Assert.Empty(TestFiles.In(_downloads));
    }
}
