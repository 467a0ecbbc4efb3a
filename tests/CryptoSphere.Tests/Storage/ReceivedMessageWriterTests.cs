using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// The received-message writer: what queues while a transaction runs goes into the next one, one message per
/// author in turn, within a count and a size bound; a database error refuses (so nothing is acknowledged);
/// closing writes what is queued. The store's lock is held by the test to make the writer wait mid-batch.
/// </summary>
public sealed class ReceivedMessageWriterTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly TimeSpan Wait = EventWaiter.DefaultTimeout;

    private readonly TempDirectory _dir = new();
    private readonly ChatStore _store;
    private readonly List<(string Text, ReceiveOutcome Outcome, int QueuedThen)> _done = [];

    public ReceivedMessageWriterTests() => _store = ChatStore.Open(_dir.Path);

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private static StoredMessage From(string author, string text) =>
        new(Guid.CreateVersion7(), "peer:" + author, false, author, "127.0.0.1:4000", author, text, PeerProtocol.Secure,
            T0, T0, MessageState.Received);

    /// <summary>Queues <paramref name="message"/>; its callback records the outcome and what was still queued then.</summary>
    private void Enqueue(StoredMessage message) =>
        _store.AppendReceivedChecked(message, outcome =>
        {
            var queued = _store.ReceivedQueued;
            lock (_done)
                _done.Add((message.Text, outcome, queued));
        });

    private Task AllDoneAsync(int count) => Eventually.HoldsAsync(() => { lock (_done) return _done.Count >= count; }, $"{count} callbacks", Wait);

    private bool IsStored(Guid id) => _store.History(null, int.MaxValue).Any(m => m.Id == id);

    /// <summary>
    /// Holds the store's lock, queues a first message (which the writer takes and then waits on the lock
    /// with) and returns once only that message has left the queue: everything queued next lands in the
    /// writer's following batch. Dispose the result to let the writer go.
    /// </summary>
    private async Task<IDisposable> StallWriterAsync()
    {
        var held = await HeldStore.HoldAsync(_store);
        Enqueue(From("first", "first"));
        await Eventually.HoldsAsync(() => _store.ReceivedQueued == 0, "the writer took the first message", Wait);
        return held;
    }

    [Fact]
    public async Task A_batch_takes_one_message_per_author_in_turn_and_keeps_each_authors_order()
    {
        using (await StallWriterAsync())
        {
            foreach (var (author, text) in new[] { ("A", "a1"), ("A", "a2"), ("A", "a3"), ("A", "a4"), ("B", "b1"), ("B", "b2"), ("C", "c1") })
                Enqueue(From(author, text));
            Assert.Equal(7, _store.ReceivedQueued);
        }
        await AllDoneAsync(8);

        Assert.Equal(["first", "a1", "b1", "c1", "a2", "b2", "a3", "a4"], _done.Select(d => d.Text));
        Assert.All(_done, d => Assert.True(d.Outcome.IsNew));
        // The seven waited while the first was written, then went in one batch.
        Assert.Equal([7, 0, 0, 0, 0, 0, 0, 0], _done.Select(d => d.QueuedThen));
        Assert.Equal(8, _store.History(null, 100).Count);
    }

    [Fact]
    public async Task An_author_that_floods_does_not_hold_back_one_that_arrives_later()
    {
        using (await StallWriterAsync())
        {
            for (var i = 0; i < 50; i++)
                Enqueue(From("flood", $"f{i}"));
            Enqueue(From("friend", "hi"));
        }
        await AllDoneAsync(52);

        Assert.Equal(["first", "f0", "hi", "f1"], _done.Take(4).Select(d => d.Text));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"f{i}"), _done.Where(d => d.Text.StartsWith('f') && d.Text != "first").Select(d => d.Text));
    }

    [Fact]
    public async Task A_batch_holds_at_most_4096_messages()
    {
        using (await StallWriterAsync())
        {
            for (var i = 0; i < 4097; i++)
                Enqueue(From(i % 2 == 0 ? "even" : "odd", $"m{i}"));
        }
        await AllDoneAsync(4098);

        // While the first 4096 are being answered, the last one still waits for the next batch.
        Assert.Equal(Enumerable.Repeat(1, 4096), _done.Skip(1).Take(4096).Select(d => d.QueuedThen));
        Assert.Equal(0, _done[^1].QueuedThen);
        Assert.All(_done, d => Assert.True(d.Outcome.IsNew));
    }

    [Fact]
    public async Task A_batch_stops_once_it_holds_two_megabytes_of_text()
    {
        // 512 Ki characters count as 1 MiB: two of them fill a batch exactly, so the third waits.
        var big = new string('x', 512 * 1024);
        using (await StallWriterAsync())
        {
            Enqueue(From("A", big));
            Enqueue(From("B", big));
            Enqueue(From("C", "small"));
        }
        await AllDoneAsync(4);

        Assert.Equal([big, big, "small"], _done.Skip(1).Select(d => d.Text));
        Assert.Equal([1, 1, 0], _done.Skip(1).Select(d => d.QueuedThen));
    }

    [Fact]
    public async Task A_database_error_refuses_the_whole_batch_and_stores_nothing_so_a_resend_is_new()
    {
        var messages = new[] { From("A", "a1"), From("A", "a2"), From("B", "b1") };
        _store.Locked(db => ChatStore.Execute(db, "PRAGMA query_only = ON"));
        using (await StallWriterAsync())
        {
            foreach (var message in messages)
                Enqueue(message);
        }
        await AllDoneAsync(4);

        Assert.All(_done, d => Assert.Equal("the database could not store it", d.Outcome.Refusal));
        Assert.All(_done, d => Assert.False(d.Outcome.IsNew));

        _store.Locked(db => ChatStore.Execute(db, "PRAGMA query_only = OFF"));
        foreach (var message in messages)
            Assert.True((await _store.AppendReceivedCheckedAsync(message).WaitAsync(Wait)).IsNew);
        Assert.Equal(3, _store.History(null, 10).Count);
    }

    [Fact]
    public async Task A_callback_that_throws_does_not_stop_the_ones_after_it()
    {
        var first = From("A", "first");
        _store.AppendReceivedChecked(first, _ => throw new InvalidOperationException("a failing subscriber"));
        var second = await _store.AppendReceivedCheckedAsync(From("A", "second")).WaitAsync(Wait);

        Assert.True(second.IsNew);
        Assert.True(IsStored(first.Id));
    }

    [Fact]
    public async Task A_resend_by_the_same_author_is_again_and_the_same_id_from_another_author_is_refused()
    {
        var original = From("A", "hello");
        Assert.True((await _store.AppendReceivedCheckedAsync(original).WaitAsync(Wait)).IsNew);

        var again = await _store.AppendReceivedCheckedAsync(original with { Text = "resent" }).WaitAsync(Wait);
        var hijack = await _store.AppendReceivedCheckedAsync(original with { PeerId = "B", Text = "mine now" }).WaitAsync(Wait);

        Assert.Equal(ReceiveOutcome.Again, again);
        Assert.True(hijack.IsRefused);
        Assert.Contains(original.Id.ToString(), hijack.Refusal);
        Assert.Equal("hello", Assert.Single(_store.History(null, 10)).Text);
    }

    [Fact]
    public async Task Closing_writes_everything_already_queued_and_then_refuses_more()
    {
        var queued = new List<StoredMessage>();
        Task closing;
        using (await StallWriterAsync())
        {
            for (var i = 0; i < 30; i++)
            {
                var message = From(((char)('A' + i % 3)).ToString(), $"m{i}");
                queued.Add(message);
                Enqueue(message);
            }
            closing = Task.Run(_store.Dispose);
            // Closed once a new message is turned away; the writer is still held, so nothing is written yet.
            await Eventually.HoldsAsync(() =>
            {
                try
                {
                    _store.AppendReceived(From("late", "late"), null);
                    return false;
                }
                catch (ObjectDisposedException)
                {
                    return true;
                }
            }, "the store refuses new messages", Wait);
        }
        await closing.WaitAsync(Wait);

        Assert.Equal(31, _done.Count(d => d.Outcome.IsNew));
        using var reopened = ChatStore.Open(_dir.Path);
        var stored = reopened.History(null, 1000).Select(m => m.Id).ToHashSet();
        Assert.All(queued, m => Assert.Contains(m.Id, stored));
    }

    [Fact]
    public async Task A_received_message_is_stored_with_every_field_and_updates_its_conversation()
    {
        var sent = From("A", "hello") with { Name = "alice", Lamport = 42, SentAt = T0.AddSeconds(-5), StoredAt = T0.AddSeconds(7) };
        Assert.True((await _store.AppendReceivedCheckedAsync(sent).WaitAsync(Wait)).IsNew);

        var stored = Assert.Single(_store.History(null, 10));
        Assert.False(stored.Outgoing);
        Assert.Equal(42, stored.Lamport);
        Assert.Equal(("A", "alice", "hello", T0.AddSeconds(-5)), (stored.PeerId, stored.Name, stored.Text, stored.SentAt));
        var conversation = Assert.Single(_store.Conversations());
        Assert.Equal(("peer:A", "alice", T0.AddSeconds(7), 1L), (conversation.Id, conversation.Title, conversation.LastActivity, conversation.Messages));

        Assert.True((await _store.AppendReceivedCheckedAsync(From("A", "no lamport")).WaitAsync(Wait)).IsNew);
        Assert.Null(_store.History(null, 10).Single(m => m.Text == "no lamport").Lamport);
    }
}
