using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>A large transfer shares the connection with chat; chat must not wait for the file.</summary>
public sealed class ChatDuringTransferTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Chat_messages_keep_flowing_both_ways_while_a_large_file_transfers()
    {
        const int size = 24 * 1024 * 1024;
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents, o => o with { FileWindowBytes = 1024 * 1024 });
        await using var bob = await TestNodes.StartAsync("bob", bobEvents, o => o with { DownloadsDirectory = Path.Combine(_dir.Path, "downloads") });
        TestFiles.AcceptEverything(bob);
        // 4 MB/s, a 32 Mbit/s line: the file needs at least 6 s, whatever the machine; a message waits behind at most 1 MiB
        // of it (0.25 s). The six messages below took 0.3 s on an idle machine: at 10 MB/s (2.5 s for the file) a loaded
        // one had less than 2 s of slack before the check that the file is still on its way.
        await using var relay = new StallingRelay(bob.Port, bytesPerSecond: 4_000_000);
        var id = (await alice.OfferFileAsync(relay.Key, TestFiles.Random(_dir, "large.bin", size))).Info().Id;
        await bobEvents.For<TransferProgress>(id);
        var bobKey = alice.Peers.Snapshot().Single().Key;

        for (var i = 1; i <= 3; i++)
        {
            var toBob = await alice.SendAsync(bobKey, $"alice says {i}");
            var toAlice = await bob.SendAsync(alice.Identity.Id, $"bob says {i}");
            await Task.WhenAll(toBob.Delivered!, toAlice.Delivered!).WaitAsync(TestFiles.Timeout);
            await bobEvents.WaitFor<MessageReceived>(m => m.Text == $"alice says {i}");
            await aliceEvents.WaitFor<MessageReceived>(m => m.Text == $"bob says {i}");
        }

        // Every message made the round trip while the file was still on its way.
        Assert.NotEqual(Core.Files.TransferState.Completed, alice.FindTransfer(id)!.State);
        await bobEvents.For<TransferCompleted>(id);
    }
}
