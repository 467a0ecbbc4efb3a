using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// What a flush reads back from a peer's outbox comes from a connection of its own: it does not wait for the store's
/// lock, which the writer holds for a whole batch, and it sees only what was committed (a message goes on the wire
/// only once it is stored).
/// </summary>
public sealed class FrameReaderTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static StoredMessage Outgoing(string text) =>
        new(Guid.CreateVersion7(), "peer:X", true, null, "127.0.0.1:4000", "bob", text, PeerProtocol.Secure, T0, T0, MessageState.Queued);

    [Fact]
    public void A_flush_reads_what_was_committed_while_a_write_holds_the_store_and_not_what_it_has_not_committed()
    {
        using var store = ChatStore.Open(_dir.Path);
        var committed = store.AppendOutgoing(Outgoing("stored"), "peer:X", T0);

        var (read, finished) = store.Locked(db =>
        {
            // As the writer does for a batch: the store's lock held, a transaction open with a send in it.
            using var transaction = db.BeginTransaction();
            ChatStore.Execute(db, """
                INSERT INTO messages(id, conversation, outgoing, address, name, text, protocol, sent_at, stored_at, state)
                VALUES ('00000000-0000-7000-8000-000000000001', 'peer:X', 1, '127.0.0.1:4000', 'bob', 'not yet', 1, 0, 0, 0)
                """, transaction);
            ChatStore.Execute(db, "INSERT INTO outbox(message_seq, target, next_attempt) VALUES (last_insert_rowid(), 'peer:X', 0)", transaction);
            var reading = Task.Run(() => store.PendingFrames("peer:X", 0));
            var done = reading.Wait(Generous);
            transaction.Rollback();
            return (done ? reading.Result : null, done);
        });

        Assert.True(finished, "reading the outbox waited for the store's lock");
        Assert.Equal([committed], read!.Select(f => f.Sequence));
        Assert.Equal("stored", read![0].Text);
    }

    [Fact]
    public async Task A_send_committed_by_the_writer_is_read_back_at_once()
    {
        using var store = ChatStore.Open(_dir.Path);
        var sequences = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            store.AppendOutgoingUnlessFullAsync(Outgoing($"burst {i}"), "peer:X", T0, maxWaiting: 1_000)));

        // Each send is read back once its commit completed it, whichever connection committed it.
        Assert.Equal(sequences.Select(s => s!.Value).Order(), store.PendingFrames("peer:X", 0).Select(f => f.Sequence));
    }

    [Fact]
    public void A_closed_store_refuses_the_read()
    {
        var store = ChatStore.Open(_dir.Path);
        store.AppendOutgoing(Outgoing("stored"), "peer:X", T0);
        Assert.Single(store.PendingFrames("peer:X", 0));
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.PendingFrames("peer:X", 0));
        // The reader's connection was closed with the store: nothing holds the log open.
        var log = Path.Combine(_dir.Path, ChatStore.FileName + "-wal");
        Assert.False(File.Exists(log) && new FileInfo(log).Length > 0, "the write-ahead log was left behind");
    }
}
