using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// The store's batching writer: writes queued while a transaction runs share the next one (group commit), and each
/// write's task completes only once the transaction holding it has committed. The writer's transaction counter is the
/// witness; the database reopened from disk is the proof that what was reported is there.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static StoredMessage Outgoing(int i, string conversation = "peer:X") =>
        new(Guid.CreateVersion7(), conversation, true, null, "127.0.0.1:4000", "bob", $"message {i}", PeerProtocol.Secure, T0, T0, MessageState.Queued);

    private static StoredMessage Received(int i, string from) =>
        new(Guid.CreateVersion7(), $"peer:{from}", false, from, "127.0.0.1:4001", from, $"received {i}", PeerProtocol.Secure, T0, T0, MessageState.Received);

    // Holds the store's lock, as a long transaction would, until released: whatever is queued meanwhile waits together.
    private static (Task Holding, ManualResetEventSlim Release) Hold(ChatStore store)
    {
        var release = new ManualResetEventSlim();
        var held = new ManualResetEventSlim();
        var holding = Task.Run(() => store.Locked(_ =>
        {
            held.Set();
            release.Wait();
        }));
        Assert.True(held.Wait(Wait), "the lock was taken");
        return (holding, release);
    }

    [Fact]
    public async Task Concurrent_sends_are_committed_in_fewer_transactions_than_sends_and_each_is_on_disk_when_reported()
    {
        const int n = 200;
        var messages = Enumerable.Range(0, n).Select(i => Outgoing(i)).ToList();
        long before;
        var sequences = new long[n];
        using (var store = ChatStore.Open(_dir.Path))
        {
            before = store.WriterTransactions;
            var (holding, release) = Hold(store);
            var sends = messages.Select(m => store.AppendOutgoingAsync(m, ["peer:X"], T0)).ToList();
            // Nothing can be committed while the lock is held: no send may be reported yet.
            Assert.All(sends, s => Assert.False(s.IsCompleted));
            release.Set();
            await holding.WaitAsync(Wait);
            for (var i = 0; i < n; i++)
                sequences[i] = await sends[i].WaitAsync(Wait);

            var transactions = store.WriterTransactions - before;
            // The writer may have taken the first send before the lock was held; every other one waited together.
            Assert.InRange(transactions, 1, 2);
            Assert.Equal(sequences.Order(), sequences);
        }

        using var reopened = ChatStore.Open(_dir.Path);
        Assert.Equal(messages.Select(m => m.Id), reopened.Outbox("peer:X").Select(r => r.Message.Id));
        Assert.Equal(sequences, reopened.Outbox("peer:X").Select(r => r.Message.Sequence));
        Assert.Equal(n, reopened.Search("message", n + 10).Count);
        Assert.Equal(n, reopened.Conversations().Single().Messages);
    }

    [Fact]
    public async Task A_lone_send_is_committed_before_its_call_returns_and_a_burst_from_one_thread_still_shares_commits()
    {
        long lone;
        using (var store = ChatStore.Open(_dir.Path))
        {
            // Alone (nothing queued, the writer idle, the lock free): committed by the caller, no hop to the writer's loop.
            var first = store.AppendOutgoingAsync(Outgoing(0), ["peer:X"], T0);
            Assert.True(first.IsCompletedSuccessfully, "a lone send is committed by the time the call returns");
            Assert.Equal(1, store.WriterLoneTransactions);
            lone = await first;

            // A burst from one thread that never waits: the writes come microseconds apart and go through the queue.
            const int n = 1000;
            var before = store.WriterTransactions;
            var burst = Enumerable.Range(1, n).Select(i => store.AppendOutgoingAsync(Outgoing(i), ["peer:X"], T0)).ToList();
            await Task.WhenAll(burst).WaitAsync(Wait);
            var transactions = store.WriterTransactions - before;
            Assert.InRange(transactions, 1, n / 4);
        }

        using var reopened = ChatStore.Open(_dir.Path);
        var rows = reopened.Outbox("peer:X");
        Assert.Equal(1001, rows.Count);
        Assert.Equal(lone, rows[0].Message.Sequence);
    }

    [Fact]
    public async Task Sends_acknowledgements_received_messages_and_outbox_changes_share_one_transaction_in_queue_order()
    {
        using var store = ChatStore.Open(_dir.Path);
        var acked = Outgoing(0);
        var failed = Outgoing(1);
        store.AppendOutgoing(acked, "peer:X", T0);
        store.AppendOutgoing(failed, "peer:X", T0);
        var before = store.WriterTransactions;

        var (holding, release) = Hold(store);
        var fresh = Outgoing(2);
        var appended = store.AppendOutgoingAsync(fresh, ["peer:X"], T0);
        var markedSent = store.MarkSentAsync([acked.Id, fresh.Id], leaveOutbox: false);
        var ack = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.AppendAcknowledgement(acked.Id, "peer:X", ack.SetResult);
        var gaveUp = store.MarkFailedAsync(failed.Id, "gave up");
        var incoming = store.AppendReceivedCheckedAsync(Received(0, "Y"));
        release.Set();
        await holding.WaitAsync(Wait);

        await Task.WhenAll(appended, markedSent, gaveUp, incoming).WaitAsync(Wait);
        Assert.True(await ack.Task.WaitAsync(Wait));
        Assert.True(await gaveUp);
        Assert.True((await incoming).IsNew);
        Assert.InRange(store.WriterTransactions - before, 1, 2);

        var states = store.History(null, 100).ToDictionary(m => m.Id, m => m.State);
        Assert.Equal(MessageState.Delivered, states[acked.Id]);
        Assert.Equal(MessageState.Failed, states[failed.Id]);
        Assert.Equal(MessageState.Sent, states[fresh.Id]);
        Assert.Equal([fresh.Id], store.Outbox().Select(r => r.Message.Id));
    }

    [Fact]
    public async Task Marking_sent_by_sequence_moves_only_queued_outgoing_messages()
    {
        // What the outbox records after writing a page of rows: their sequences, not their IDs.
        using var store = ChatStore.Open(_dir.Path);
        var queued = Outgoing(0);
        var delivered = Outgoing(1);
        var failed = Outgoing(2);
        var queuedSeq = store.AppendOutgoing(queued, "peer:X", T0);
        var deliveredSeq = store.AppendOutgoing(delivered, "peer:X", T0);
        var failedSeq = store.AppendOutgoing(failed, "peer:X", T0);
        var ack = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.AppendAcknowledgement(delivered.Id, "peer:X", ack.SetResult);
        Assert.True(await ack.Task.WaitAsync(Wait));
        Assert.True(await store.MarkFailedAsync(failed.Id, "gave up"));
        Assert.True((await store.AppendReceivedCheckedAsync(Received(0, "Y"))).IsNew);
        var incomingSeq = store.History("peer:Y", 10).Single().Sequence;

        await store.MarkSentAsync([queuedSeq, deliveredSeq, failedSeq, incomingSeq]).WaitAsync(Wait);

        var states = store.History(null, 100).ToDictionary(m => m.Id, m => m.State);
        Assert.Equal(MessageState.Sent, states[queued.Id]);
        Assert.Equal(MessageState.Delivered, states[delivered.Id]);
        Assert.Equal(MessageState.Failed, states[failed.Id]);
        Assert.Equal(MessageState.Received, store.History("peer:Y", 10).Single().State);
        // Sent is not acknowledged: it stays in the outbox until its ACK.
        Assert.Equal([queued.Id], store.Outbox().Select(r => r.Message.Id));
    }

    [Fact]
    public async Task A_full_outbox_refuses_the_send_that_would_overflow_it_within_one_batch()
    {
        using var store = ChatStore.Open(_dir.Path);
        store.AppendOutgoing(Outgoing(0), "peer:X", T0);
        var (holding, release) = Hold(store);
        var sends = Enumerable.Range(1, 5).Select(i => store.AppendOutgoingUnlessFullAsync(Outgoing(i), "peer:X", T0, maxWaiting: 3)).ToList();
        var elsewhere = store.AppendOutgoingUnlessFullAsync(Outgoing(9, "peer:Z"), "peer:Z", T0, maxWaiting: 3);
        release.Set();
        await holding.WaitAsync(Wait);

        var results = await Task.WhenAll(sends).WaitAsync(Wait);
        Assert.Equal([true, true, false, false, false], results.Select(r => r.HasValue));
        Assert.NotNull(await elsewhere);
        Assert.Equal(3, store.OutboxCount("peer:X"));
        Assert.Equal(4, store.History(null, 100).Count);
    }

    [Fact]
    public async Task A_write_that_fails_fails_alone_and_the_others_of_its_batch_are_committed()
    {
        using var store = ChatStore.Open(_dir.Path);
        var good = Outgoing(0);
        var (holding, release) = Hold(store);
        var first = store.AppendOutgoingAsync(good, ["peer:X"], T0);
        // A write whose SQL fails (as on a damaged database) in the middle of the batch.
        var broken = store.Write(batch => batch.Execute("INSERT INTO no_such_table VALUES (1)"));
        var incoming = store.AppendReceivedCheckedAsync(Received(0, "Y"));
        release.Set();
        await holding.WaitAsync(Wait);

        await first.WaitAsync(Wait);
        var error = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => broken.WaitAsync(Wait));
        Assert.Contains("no_such_table", error.Message);
        Assert.True((await incoming.WaitAsync(Wait)).IsNew);
        Assert.Equal(2, store.History(null, 100).Count);
        Assert.Equal([good.Id], store.Outbox().Select(r => r.Message.Id));
    }

    [Fact]
    public async Task A_received_group_message_moves_the_clock_in_the_transaction_that_stores_it()
    {
        using var store = ChatStore.Open(_dir.Path);
        var admin = CryptoSphere.Core.Identity.PeerId.FromPublicKeyInfo([1, 2, 3]);
        var group = new CryptoSphere.Core.Groups.Group(Guid.NewGuid(), "team", admin, 1, [], true);
        store.SaveGroup(group, admin);
        var before = store.WriterTransactions;

        var (holding, release) = Hold(store);
        var received = new StoredMessage(Guid.NewGuid(), $"group:{group.Id}", false, admin.Value, "127.0.0.1:1", "admin", "hi",
            PeerProtocol.Secure, T0, T0, MessageState.Received) { Lamport = 41 };
        var advanced = store.AppendReceivedCheckedAsync(received);
        var sent = store.AppendGroupMessageAsync(Outgoing(0, $"group:{group.Id}"), group.Id, ["peer:X"], T0);
        release.Set();
        await holding.WaitAsync(Wait);

        Assert.Equal(ReceiveOutcome.New, await advanced.WaitAsync(Wait));
        var (_, lamport) = await sent.WaitAsync(Wait);
        Assert.Equal(43, lamport); // past the received 41 (42), then ticked for the send
        Assert.InRange(store.WriterTransactions - before, 1, 2);
        Assert.Equal([41L, 43L], store.History(null, 10).Select(m => m.Lamport!.Value).Order());
    }

    [Fact]
    public async Task A_members_refusal_is_written_in_the_batch_with_the_others_acknowledgement_and_counts_against_the_recipients()
    {
        using var store = ChatStore.Open(_dir.Path);
        var admin = CryptoSphere.Core.Identity.PeerId.FromPublicKeyInfo([1, 2, 3]);
        var group = new CryptoSphere.Core.Groups.Group(Guid.NewGuid(), "team", admin, 1, [], true);
        store.SaveGroup(group, admin);
        var halfRefused = Outgoing(0, $"group:{group.Id}");
        var allRefused = Outgoing(1, $"group:{group.Id}");
        await store.AppendGroupMessageAsync(halfRefused, group.Id, ["peer:A", "peer:B"], T0).WaitAsync(Wait);
        await store.AppendGroupMessageAsync(allRefused, group.Id, ["peer:A", "peer:B"], T0).WaitAsync(Wait);
        var before = store.WriterTransactions;

        var (holding, release) = Hold(store);
        var refused = store.FailRecipientAsync(halfRefused.Id, "peer:A", "A left", T0);
        var acknowledged = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.AppendAcknowledgement(halfRefused.Id, "peer:B", acknowledged.SetResult);
        var firstOfTwo = store.FailRecipientAsync(allRefused.Id, "peer:A", "A left", T0);
        var secondOfTwo = store.FailRecipientAsync(allRefused.Id, "peer:B", "B left", T0);
        Assert.False(refused.IsCompleted); // not reported before its commit
        release.Set();
        await holding.WaitAsync(Wait);

        Assert.True(await refused.WaitAsync(Wait));
        Assert.True(await acknowledged.Task.WaitAsync(Wait));
        Assert.True(await firstOfTwo.WaitAsync(Wait));
        Assert.True(await secondOfTwo.WaitAsync(Wait));
        Assert.InRange(store.WriterTransactions - before, 1, 2);
        // Nothing pending for that recipient any more: a second refusal settles nothing.
        Assert.False(await store.FailRecipientAsync(halfRefused.Id, "peer:A", "A left", T0).WaitAsync(Wait));

        var history = store.History(null, 10).ToDictionary(m => m.Id);
        Assert.Equal(MessageState.Delivered, history[halfRefused.Id].State);
        Assert.Equal("A left", history[halfRefused.Id].Refusals);
        Assert.Equal(MessageState.Failed, history[allRefused.Id].State);
        Assert.Equal("A left; B left", history[allRefused.Id].Refusals);
        Assert.Empty(store.Outbox());
    }
}
