using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// The write-ahead log is copied back into the database file by the store's background checkpoint, not by the
/// commits (whose automatic checkpoint is only a safety net far above the default), and a closed store leaves a
/// whole database file behind.
/// </summary>
public sealed class WalCheckpointerTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static StoredMessage Message(int i) =>
        new(Guid.CreateVersion7(), "peer:author", false, "author", "127.0.0.1:4000", "author", $"message {i} " + new string('x', 200),
            PeerProtocol.Secure, T0, T0, MessageState.Received);

    [Fact]
    public async Task The_log_is_copied_back_in_the_background_and_a_closed_store_leaves_every_message_in_the_file()
    {
        var path = Path.Combine(_dir.Path, ChatStore.FileName);
        using (var store = ChatStore.Open(_dir.Path))
        {
            Assert.Equal(WalCheckpointer.SafetyNetPages, Convert.ToInt32(store.Pragma("wal_autocheckpoint")));
            await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => store.AppendReceivedCheckedAsync(Message(i))));

            await Eventually.HoldsAsync(() => store.CheckpointedPages > 0, "the background checkpoint copied the log back",
                TimeSpan.FromSeconds(20));
            Assert.Equal(2_000, store.History(null, 5_000).Count);
        }

        // Closed: the log was copied back and removed; the file alone holds every message.
        Assert.False(File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0, "a write-ahead log was left behind");
        using var reopened = ChatStore.Open(_dir.Path);
        Assert.Equal(2_000, reopened.History(null, 5_000).Count);
    }

    [Fact]
    public async Task The_checkpoint_runs_after_commits_and_an_idle_store_has_none_scheduled()
    {
        using var store = ChatStore.Open(_dir.Path);
        await store.AppendReceivedCheckedAsync(Message(1));
        Assert.True(store.CheckpointArmed, "a commit did not schedule a checkpoint");

        // The tick copies the log back and, with nothing left to copy, schedules no other: an idle node's timer is still.
        await Eventually.HoldsAsync(() => store.CheckpointTicks >= 1 && !store.CheckpointArmed, "the checkpoint ran and stopped",
            TimeSpan.FromSeconds(20));
        Assert.True(store.CheckpointedPages > 0, "the tick copied nothing back");
        var ticks = store.CheckpointTicks;

        // Any commit arms it again: here a statement committed on its own, not through the batching writer.
        store.SavePeer(new Peer(new PeerKey("127.0.0.1", 4000), "author", PeerProtocol.Legacy, T0, T0, 1));
        Assert.True(store.CheckpointArmed, "a write of its own did not schedule a checkpoint");
        await Eventually.HoldsAsync(() => store.CheckpointTicks > ticks, "the checkpoint ran again", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_database_deleted_under_the_store_is_not_made_again_and_the_process_lives_on()
    {
        var path = Path.Combine(_dir.Path, ChatStore.FileName);
        using var store = ChatStore.Open(_dir.Path);
        await store.AppendReceivedCheckedAsync(Message(1));
        foreach (var file in Directory.GetFiles(_dir.Path))
            File.Delete(file);

        // Two ticks after the deletion: each tried to open the file, and neither may create it (nor throw on the timer).
        var ticks = store.CheckpointTicks;
        await Eventually.HoldsAsync(() => store.CheckpointTicks >= ticks + 2, "the checkpoint ticked twice", TimeSpan.FromSeconds(20));
        Assert.False(File.Exists(path), "the checkpoint made a new, empty database");
    }
}
