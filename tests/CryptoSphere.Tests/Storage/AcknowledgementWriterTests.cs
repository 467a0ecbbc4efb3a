using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// The path every ACK takes in the node: <see cref="ChatStore.AppendAcknowledgement"/> queues it, the
/// acknowledgement writer applies a batch in one transaction, and each callback says whether that ack
/// settled something. An ack settles one recipient's copy; the message is delivered when none is left.
/// </summary>
public sealed class AcknowledgementWriterTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly TimeSpan Wait = EventWaiter.DefaultTimeout;

    private readonly TempDirectory _dir = new();
    private readonly ChatStore _store;

    public AcknowledgementWriterTests() => _store = ChatStore.Open(_dir.Path);

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private static StoredMessage Outgoing(string text, string conversation = "peer:X") =>
        new(Guid.CreateVersion7(), conversation, true, null, "127.0.0.1:4000", "bob", text, PeerProtocol.Secure,
            T0, T0, MessageState.Queued);

    private Task<bool> AckAsync(Guid id, string target)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.AppendAcknowledgement(id, target, done.SetResult);
        return done.Task.WaitAsync(Wait);
    }

    private MessageState StateOf(Guid id) => _store.History(null, int.MaxValue).Single(m => m.Id == id).State;

    private IReadOnlyList<string> WaitingFor(Guid id) =>
        _store.Outbox().Where(r => r.Message.Id == id).Select(r => r.Target).Order().ToList();

    [Fact]
    public async Task An_ack_from_the_recipient_delivers_a_message_once()
    {
        var message = Outgoing("hello");
        _store.AppendOutgoing(message, "peer:X", T0);
        _store.MarkSent(message.Id, leaveOutbox: false);

        Assert.True(await AckAsync(message.Id, "peer:X"));
        Assert.Equal(MessageState.Delivered, StateOf(message.Id));
        Assert.Empty(WaitingFor(message.Id));

        Assert.False(await AckAsync(message.Id, "peer:X"), "a repeated ack settles nothing more");
        Assert.False(_store.MarkFailed(message.Id, "too late"), "a delivered message never becomes failed");
        Assert.Equal(MessageState.Delivered, StateOf(message.Id));
    }

    [Fact]
    public async Task An_ack_from_someone_else_or_for_an_unknown_message_settles_nothing()
    {
        var message = Outgoing("for X only");
        _store.AppendOutgoing(message, "peer:X", T0);
        _store.MarkSent(message.Id, leaveOutbox: false);

        Assert.False(await AckAsync(message.Id, "peer:Y"));
        Assert.False(await AckAsync(Guid.CreateVersion7(), "peer:X"));

        Assert.Equal(MessageState.Sent, StateOf(message.Id));
        Assert.Equal(["peer:X"], WaitingFor(message.Id));
    }

    [Fact]
    public async Task A_group_message_is_delivered_only_when_its_last_recipient_acknowledges()
    {
        var message = Outgoing("to the group", "group:team");
        _store.AppendOutgoing(message, ["peer:A", "peer:B", "peer:C"], T0);
        _store.MarkSent(message.Id, leaveOutbox: false);

        Assert.True(await AckAsync(message.Id, "peer:B"));
        Assert.Equal(MessageState.Sent, StateOf(message.Id));
        Assert.Equal(["peer:A", "peer:C"], WaitingFor(message.Id));

        Assert.False(await AckAsync(message.Id, "peer:B"), "B's copy is already settled");
        Assert.True(await AckAsync(message.Id, "peer:A"));
        Assert.Equal(MessageState.Sent, StateOf(message.Id));
        Assert.Equal(["peer:C"], WaitingFor(message.Id));

        Assert.True(await AckAsync(message.Id, "peer:C"));
        Assert.Equal(MessageState.Delivered, StateOf(message.Id));
        Assert.Empty(WaitingFor(message.Id));
    }

    [Fact]
    public async Task A_queued_message_acknowledged_before_it_was_marked_sent_is_delivered()
    {
        // The ack can overtake the bookkeeping of the send that carried it.
        var message = Outgoing("fast peer");
        _store.AppendOutgoing(message, "peer:X", T0);

        Assert.True(await AckAsync(message.Id, "peer:X"));
        Assert.Equal(MessageState.Delivered, StateOf(message.Id));
    }

    [Fact]
    public async Task A_late_ack_for_a_message_given_up_on_leaves_it_failed()
    {
        var message = Outgoing("too late");
        _store.AppendOutgoing(message, "peer:X", T0);
        Assert.True(_store.MarkFailed(message.Id, "gave up"));

        Assert.False(await AckAsync(message.Id, "peer:X"));
        Assert.Equal(MessageState.Failed, StateOf(message.Id));
    }

    [Fact]
    public async Task An_ack_naming_a_received_message_changes_nothing()
    {
        var received = new StoredMessage(Guid.CreateVersion7(), "peer:X", false, null, "127.0.0.1:4000", "bob", "in",
            PeerProtocol.Secure, T0, T0, MessageState.Received);
        Assert.True(await _store.AppendReceivedAsync(received));

        Assert.False(await AckAsync(received.Id, "peer:X"));
        Assert.Equal(MessageState.Received, StateOf(received.Id));
    }

    [Fact]
    public async Task A_burst_of_acks_is_answered_in_arrival_order_each_with_its_own_result()
    {
        var group = Outgoing("group", "group:team");
        _store.AppendOutgoing(group, ["peer:A", "peer:B"], T0);
        var direct = Enumerable.Range(0, 200).Select(i => Outgoing($"direct {i}")).ToList();
        foreach (var m in direct)
            _store.AppendOutgoing(m, "peer:X", T0);

        var acks = new List<(Guid Id, string Target, bool Expected)>
        {
            (group.Id, "peer:A", true),
            (group.Id, "peer:A", false),
            (Guid.CreateVersion7(), "peer:A", false),
        };
        acks.AddRange(direct.Select(m => (m.Id, "peer:X", true)));
        acks.Add((direct[0].Id, "peer:X", false));
        acks.Add((group.Id, "peer:B", true));

        var order = new List<int>();
        var results = new bool[acks.Count];
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < acks.Count; i++)
        {
            var index = i;
            _store.AppendAcknowledgement(acks[i].Id, acks[i].Target, settled =>
            {
                lock (order)
                {
                    order.Add(index);
                    results[index] = settled;
                    if (order.Count == acks.Count)
                        all.SetResult();
                }
            });
        }
        await all.Task.WaitAsync(Wait);

        Assert.Equal(Enumerable.Range(0, acks.Count), order);
        Assert.Equal(acks.Select(a => a.Expected), results);
        Assert.Equal(MessageState.Delivered, StateOf(group.Id));
        Assert.All(direct, m => Assert.Equal(MessageState.Delivered, StateOf(m.Id)));
        Assert.Empty(_store.Outbox());
    }

    [Fact]
    public async Task A_callback_that_throws_does_not_stop_the_acks_after_it()
    {
        var first = Outgoing("first");
        var second = Outgoing("second");
        _store.AppendOutgoing(first, "peer:X", T0);
        _store.AppendOutgoing(second, "peer:X", T0);

        _store.AppendAcknowledgement(first.Id, "peer:X", _ => throw new InvalidOperationException("a failing subscriber"));
        Assert.True(await AckAsync(second.Id, "peer:X"));

        Assert.Equal(MessageState.Delivered, StateOf(first.Id));
        Assert.Equal(MessageState.Delivered, StateOf(second.Id));
    }

    [Fact]
    public async Task Acks_queued_just_before_the_store_closes_are_applied()
    {
        var message = Outgoing("closing");
        _store.AppendOutgoing(message, "peer:X", T0);
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.AppendAcknowledgement(message.Id, "peer:X", done.SetResult);

        _store.Dispose();

        Assert.True(await done.Task.WaitAsync(Wait));
        Assert.Throws<ObjectDisposedException>(() => _store.AppendAcknowledgement(message.Id, "peer:X", _ => { }));
        using var reopened = ChatStore.Open(_dir.Path);
        Assert.Equal(MessageState.Delivered, reopened.History(null, 10).Single(m => m.Id == message.Id).State);
    }

    [Fact]
    public async Task Acks_count_as_queued_until_their_batch_is_applied_and_the_high_water_mark_stays()
    {
        var messages = Enumerable.Range(0, 6).Select(i => Outgoing($"m{i}")).ToList();
        foreach (var m in messages)
            _store.AppendOutgoing(m, "peer:X", T0);

        Task<bool[]> settled;
        using (await HeldStore.HoldAsync(_store))
        {
            settled = Task.WhenAll(messages.Take(5).Select(m => AckAsync(m.Id, "peer:X")));
            Assert.Equal(5, _store.AcknowledgementsQueued);
            Assert.Equal(5, _store.AcknowledgementsHighWater);
        }
        Assert.All(await settled, Assert.True);
        Assert.Equal(0, _store.AcknowledgementsQueued);

        Assert.True(await AckAsync(messages[5].Id, "peer:X"));
        Assert.Equal(0, _store.AcknowledgementsQueued);
        Assert.Equal(5, _store.AcknowledgementsHighWater);
    }

    [Fact]
    public async Task Acks_the_database_cannot_record_settle_nothing_and_the_message_stays_in_the_outbox()
    {
        var message = Outgoing("kept");
        _store.AppendOutgoing(message, "peer:X", T0);
        _store.MarkSent(message.Id, leaveOutbox: false);
        _store.Locked(db => ChatStore.Execute(db, "PRAGMA query_only = ON"));

        Task<bool[]> refused;
        using (await HeldStore.HoldAsync(_store))
            refused = Task.WhenAll(AckAsync(message.Id, "peer:X"), AckAsync(message.Id, "peer:X"));

        var results = await refused;
        Assert.Equal([false, false], results);
        Assert.Equal(0, _store.AcknowledgementsQueued);
        _store.Locked(db => ChatStore.Execute(db, "PRAGMA query_only = OFF"));
        Assert.Equal(MessageState.Sent, StateOf(message.Id));
        Assert.Equal(["peer:X"], WaitingFor(message.Id));

        Assert.True(await AckAsync(message.Id, "peer:X"));
        Assert.Equal(MessageState.Delivered, StateOf(message.Id));
    }

    [Fact]
    public async Task A_batch_applies_at_most_4096_acks()
    {
        // A first ack's callback holds the writer's loop while 4,097 more queue, so they all wait for the
        // same next read; each callback then records what was still queued: the last waits for a batch of its own.
        // The first is queued while the store's lock is held, so it goes to the loop: a lone ack on a free lock
        // would be committed, and its callback run, on this thread instead.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using (await HeldStore.HoldAsync(_store))
        {
            _store.AppendAcknowledgement(Guid.CreateVersion7(), "peer:X", _ =>
            {
                entered.Set();
                release.Wait(Wait);
            });
        }
        Assert.True(entered.Wait(Wait));
        var queuedThen = new List<long>();
        for (var i = 0; i < 4097; i++)
        {
            _store.AppendAcknowledgement(Guid.CreateVersion7(), "peer:X", _ =>
            {
                lock (queuedThen)
                    queuedThen.Add(_store.AcknowledgementsQueued);
            });
        }
        release.Set();
        await Eventually.HoldsAsync(() => { lock (queuedThen) return queuedThen.Count == 4097; }, "every ack answered", Wait);

        Assert.Equal(Enumerable.Repeat(1L, 4096), queuedThen.Take(4096));
        Assert.Equal(0, queuedThen[^1]);
    }
}
