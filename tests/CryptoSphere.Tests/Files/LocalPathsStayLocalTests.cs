using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>
/// A transfer that fails tells the other side why, but never where: found from outside, the receiver learned where the
/// sender keeps its file, and the sender learned the receiver's downloads folder. The local user still sees the paths.
/// </summary>
public sealed class LocalPathsStayLocalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_receiver_learns_the_senders_file_is_gone_but_not_where_it_was()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { DownloadsDirectory = _dir.Combine("downloads") });
        var source = TestFiles.Random(_dir, "secret-place.bin", 5000);
        var id = (await alice.OfferFileAsync(TestNodes.KeyOf(bob), source)).Info().Id;
        await bobEvents.For<TransferOffered>(id);

        // Gone before the receiver says yes: the sender cannot open it when the data is asked for.
        File.Delete(source);
        Assert.True((await bob.AcceptTransferAsync(id)).Success);

        var told = await bobEvents.For<TransferCancelled>(id);
        var local = await aliceEvents.For<TransferFailed>(id);
        Assert.Contains("the sender's file is gone", told.Reason);
        Assert.DoesNotContain(_dir.Path, told.Reason);
        Assert.DoesNotContain("secret-place", told.Reason);
        Assert.Contains(source, local.Reason);
    }

    [Fact]
    public async Task The_sender_learns_the_receiver_cannot_write_but_not_its_downloads_folder()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        // A file where the downloads folder's parent should be: the folder cannot be made.
        var blocker = _dir.Combine("not-a-folder");
        await File.WriteAllTextAsync(blocker, "in the way");
        var downloads = Path.Combine(blocker, "downloads");
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { DownloadsDirectory = downloads });
        var id = (await alice.OfferFileAsync(TestNodes.KeyOf(bob), TestFiles.Random(_dir, "a.bin", 5000))).Info().Id;
        await bobEvents.For<TransferOffered>(id);

        Assert.False((await bob.AcceptTransferAsync(id)).Success);

        var told = await aliceEvents.For<TransferCancelled>(id);
        var local = await bobEvents.For<TransferFailed>(id);
        Assert.Contains("the receiver cannot write the file", told.Reason);
        Assert.DoesNotContain(_dir.Path, told.Reason);
        Assert.Contains(downloads, local.Reason);
    }
}
