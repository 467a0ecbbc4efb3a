using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>Two real nodes on loopback sending files: offer, accept or decline, data, verification.</summary>
public sealed class FileTransferTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _downloads;

    public FileTransferTests() => _downloads = Path.Combine(_dir.Path, "downloads");

    public void Dispose() => _dir.Dispose();

    private Task<ChatNode> Receiver(EventWaiter events, Func<NodeOptions, NodeOptions>? configure = null) =>
        TestNodes.StartAsync("bob", events, o =>
        {
            o = o with { DownloadsDirectory = _downloads };
            return configure?.Invoke(o) ?? o;
        });

    [Fact]
    public async Task A_multi_megabyte_random_file_arrives_with_the_same_hash()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await Receiver(bobEvents);
        var source = TestFiles.Random(_dir, "random.bin", 5 * 1024 * 1024 + 12_345);

        var offer = (await alice.OfferFileAsync(TestNodes.KeyOf(bob), source)).Info();
        Assert.Equal(TestFiles.Sha256(source), offer.Sha256);

        var offered = await bobEvents.For<TransferOffered>(offer.Id);
        Assert.Equal("random.bin", offered.Transfer.Name);
        Assert.Equal(new FileInfo(source).Length, offered.Transfer.Size);
        Assert.Equal(offer.Sha256, offered.Transfer.Sha256);
        Assert.Equal(alice.Identity.Id, offered.Transfer.PeerId);
        // Nothing is written before the user accepts.
        Assert.Empty(TestFiles.In(_downloads));

        Assert.True((await bob.AcceptTransferAsync(offer.Id)).Success);
        var received = await bobEvents.For<TransferCompleted>(offer.Id);
        var sent = await aliceEvents.For<TransferCompleted>(offer.Id);

        Assert.Equal(Path.Combine(_downloads, "random.bin"), received.Transfer.Path);
        Assert.Equal(TestFiles.Sha256(source), TestFiles.Sha256(received.Transfer.Path));
        Assert.Equal(new[] { "random.bin" }, TestFiles.In(_downloads));
        Assert.Equal(TransferState.Completed, sent.Transfer.State);
        Assert.Equal(sent.Transfer.Size, sent.Transfer.Bytes);
        // Both sides saw progress, and the last report is the whole file.
        Assert.NotEmpty(aliceEvents.All<TransferProgress>());
        Assert.Equal(offer.Size, bobEvents.All<TransferProgress>().Last().Transfer.Bytes);
        Assert.Equal(TransferState.Completed, bob.TransferHistory.Find(offer.Id)!.State);
        Assert.Equal(TransferState.Completed, alice.TransferHistory.Find(offer.Id)!.State);
    }

    [Fact]
    public async Task A_declined_offer_writes_nothing_and_the_sender_is_told()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await Receiver(bobEvents);
        var source = TestFiles.Random(_dir, "unwanted.bin", 100_000);

        var offer = (await alice.OfferFileAsync(TestNodes.KeyOf(bob), source)).Info();
        await bobEvents.For<TransferOffered>(offer.Id);
        Assert.True((await bob.DeclineTransferAsync(offer.Id, "not now")).Success);

        var declined = await aliceEvents.For<TransferDeclined>(offer.Id);
        Assert.Contains("declined", declined.Reason);
        Assert.Contains("not now", declined.Reason);
        Assert.Equal(TransferState.Declined, alice.FindTransfer(offer.Id)!.State);
        Assert.Empty(TestFiles.In(_downloads));
        Assert.False((await bob.AcceptTransferAsync(offer.Id)).Success);
    }

    [Fact]
    public async Task An_offer_over_the_size_cap_is_refused_with_a_clear_message()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await Receiver(bobEvents, o => o with { MaxTransferBytes = 1024 * 1024 });
        var source = TestFiles.Random(_dir, "big.bin", 1024 * 1024 + 1);

        var offer = (await alice.OfferFileAsync(TestNodes.KeyOf(bob), source)).Info();

        var refused = await aliceEvents.For<TransferDeclined>(offer.Id);
        Assert.Contains("over the receiver's limit of 1 MiB per transfer", refused.Reason);
        var atBob = await bobEvents.For<TransferDeclined>(offer.Id);
        Assert.Contains("limit", atBob.Reason);
        Assert.Empty(bobEvents.All<TransferOffered>());
        Assert.Empty(TestFiles.In(_downloads));
    }
}
