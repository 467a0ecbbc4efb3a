using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>
/// A transfer interrupted under the old default (received files in the data directory itself) still resumes after the
/// upgrade to a downloads folder of their own: its temporary file is found where it was recorded, and the finished file
/// still never takes one of the node's own names there.
/// </summary>
public sealed class DownloadsFolderUpgradeTests : IDisposable
{
    private const int FileSize = 8 * 1024 * 1024 + 777;
    private const long StallAfter = 1536 * 1024;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_partial_file_left_in_the_data_directory_resumes_and_finishes_under_a_name_the_node_does_not_use()
    {
        var aliceEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        var bobDir = _dir.Combine("bob");
        var source = TestFiles.Random(_dir, "settings.bin", FileSize);
        Guid id;

        // The old default: --downloads unset meant the data directory.
        await using (var bob = await StoredNode.StartAsync("bob", bobDir, configure: o => o with { DownloadsDirectory = bobDir }))
        {
            TestFiles.AcceptEverything(bob.Node);
            await using var relay = new StallingRelay(bob.Port, StallAfter);
            id = (await alice.OfferFileAsync(relay.Key, source, "network.json")).Info().Id;
            await bob.Events.For<TransferProgress>(id);
            await relay.Stalled;
            await bob.Node.StopAsync();
            Assert.Single(TestFiles.PartialFiles(bobDir));
        }
        await aliceEvents.For<TransferInterrupted>(id);

        // The new default: downloads in the data directory.
        await using var restarted = await StoredNode.StartAsync("bob", bobDir);
        var resumed = await aliceEvents.For<TransferAccepted>(id, a => a.ResumeOffset > 0);
        var done = await restarted.Events.For<TransferCompleted>(id);

        Assert.True(resumed.ResumeOffset > 0, "the partial file was not resumed");
        Assert.Equal(TestFiles.Sha256(source), TestFiles.Sha256(done.Transfer.Path));
        Assert.Equal(Path.Combine(bobDir, "network (1).json"), done.Transfer.Path);
        Assert.False(File.Exists(Path.Combine(bobDir, "network.json")), "a peer's file became the node's network settings");
        Assert.Empty(TestFiles.PartialFiles(bobDir));
    }
}
