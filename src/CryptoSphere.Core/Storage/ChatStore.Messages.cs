using CryptoSphere.Core.Peers;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

// Writing messages and moving them through the outbox.
public sealed partial class ChatStore
{
    private const string InsertMessageSql = """
        INSERT OR IGNORE INTO messages(id, conversation, outgoing, peer_id, address, name, text, protocol, sent_at, stored_at, state, lamport)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
        """;

    internal const string TouchConversationSql = """
        INSERT INTO conversations(id, title, last_activity) VALUES ($conversation, $name, $stored)
        ON CONFLICT(id) DO UPDATE SET title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE title END,
                                      last_activity = excluded.last_activity
        """;

    /// <summary>Queues a received message for the next batch; <paramref name="committed"/> says whether it was new.</summary>
    public void AppendReceived(StoredMessage message, Action<bool>? committed) =>
        _writes.Received.Enqueue(message, committed is null ? null : outcome => committed(outcome.IsNew));

    /// <summary>
    /// Queues a received message for the next batch; <paramref name="done"/> says whether it was new, a resend,
    /// or refused (over its author's quota, or under an ID another author already used).
    /// </summary>
    public void AppendReceivedChecked(StoredMessage message, Action<ReceiveOutcome> done) => _writes.Received.Enqueue(message, done);

    /// <summary>Stores a received message now and says whether it was new (legacy: one per connection).</summary>
    public async Task<bool> AppendReceivedAsync(StoredMessage message) => (await AppendReceivedCheckedAsync(message).ConfigureAwait(false)).IsNew;

    /// <summary>Stores a received message (in the next batch) and says what became of it once committed.</summary>
    public Task<ReceiveOutcome> AppendReceivedCheckedAsync(StoredMessage message)
    {
        var done = new TaskCompletionSource<ReceiveOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _writes.Received.Enqueue(message, outcome => done.TrySetResult(outcome));
        return done.Task;
    }

    /// <summary>What others may make this node store; unlimited until the node sets its limits.</summary>
    public StorageQuota Quota { get; set; } = StorageQuota.Unlimited;

    /// <summary>Acknowledgements waiting to be applied now, and the most there ever were.</summary>
    internal long AcknowledgementsQueued => _writes.Acknowledgements.Queued;

    internal long AcknowledgementsHighWater => _writes.Acknowledgements.HighWater;

    /// <summary>Received messages waiting for the writer.</summary>
    internal int ReceivedQueued => _writes.Received.Queued;

    /// <summary>Transactions the batching writer has committed (each holds every write queued meanwhile).</summary>
    internal long WriterTransactions => _writes.Transactions;

    /// <summary>Test seam (<see cref="StoreWriter.HeldUntil"/>): while set, the writer's commits wait for this task.</summary>
    internal Task? CommitsHeldUntil
    {
        get => _writes.HeldUntil;
        set => _writes.HeldUntil = value;
    }

    /// <summary>Of those, the ones a lone write's caller committed itself (one message at a time).</summary>
    internal long WriterLoneTransactions => _writes.LoneTransactions;

    /// <summary>
    /// Received group messages move their groups' clocks in the transaction that stores them (or refuses them), without
    /// a transaction of their own. Called before anything else in the batch, so that a send queued after a receive is
    /// stamped past it (one queued before it may be too: harmless, the two were concurrent).
    /// </summary>
    internal static void AdvanceClocks(WriteBatch batch, IEnumerable<StoredMessage> received)
    {
        foreach (var message in received)
        {
            if (message.Lamport is { } seen && CryptoSphere.Core.Conversations.ConversationId.TryParse(message.Conversation, out var conversation)
                && conversation.GroupId is { } group)
                Tick(batch, group, seen);
        }
    }

    internal void InsertReceived(WriteBatch batch, IEnumerable<StoredMessage> messages, List<ReceiveOutcome> outcomes)
    {
        batch.InsertingMessages();
        var insert = batch.Raw(InsertMessageSql);
        var owner = batch.Command("SELECT outgoing, peer_id, address FROM messages WHERE id = $id");
        if (owner.Parameters.Count == 0)
            owner.Parameters.AddWithValue("$id", "");
        var quota = Quota;
        foreach (var message in messages)
        {
            if (quota.Check(batch, message, out var author, out var bytes) is { } overQuota)
            {
                outcomes.Add(ReceiveOutcome.Refused(overQuota));
                continue;
            }
            if (BindInsert(insert, message).Execute() == 1)
            {
                // One conversation update per batch, with its latest message, rather than one per message.
                batch.Touch(message);
                quota.Add(author, bytes);
                outcomes.Add(ReceiveOutcome.New);
                continue;
            }
            // Deduplication is per author: the same author sending the same ID again is a resend; another
            // author under that ID (a group member pre-empting a message it saw first) is refused.
            owner.Parameters[0].Value = message.Id.ToString();
            using var row = owner.ExecuteReader();
            var sameAuthor = row.Read() && row.GetInt64(0) == 0
                             && StorageQuota.AuthorOf(row.IsDBNull(1) ? null : row.GetString(1), row.GetString(2)) == author;
            outcomes.Add(sameAuthor ? ReceiveOutcome.Again : ReceiveOutcome.Refused($"message ID {message.Id} was already used by another author"));
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction of its own, now, on the caller's thread: the synchronous API,
    /// for commands and tests. The hot paths queue the same writes for the batching writer instead.
    /// </summary>
    private T WriteNow<T>(Func<WriteBatch, T> work) => Locked(db =>
    {
        using var batch = Begin(db);
        var result = work(batch);
        batch.Commit();
        return result;
    });

    /// <summary>Queues any write for the batching writer; the task completes once the transaction holding it has committed.</summary>
    internal Task<T> Write<T>(Func<WriteBatch, T> work) => _writes.Enqueue(work);

    /// <summary>Stores an outgoing message and puts it in the outbox for <paramref name="target"/>; returns its sequence.</summary>
    public long AppendOutgoing(StoredMessage message, string target, DateTimeOffset nextAttempt) =>
        AppendOutgoing(message, [target], nextAttempt);

    /// <summary>Stores an outgoing message once, with one outbox row per recipient (a group message).</summary>
    public long AppendOutgoing(StoredMessage message, IReadOnlyCollection<string> targets, DateTimeOffset nextAttempt) =>
        WriteNow(batch => InsertOutgoing(batch, message, targets, nextAttempt));

    /// <summary>
    /// <see cref="AppendOutgoing(StoredMessage, IReadOnlyCollection{string}, DateTimeOffset)"/> through the batching
    /// writer: the task completes with the message's sequence once it is committed.
    /// </summary>
    public Task<long> AppendOutgoingAsync(StoredMessage message, IReadOnlyCollection<string> targets, DateTimeOffset nextAttempt) =>
        _writes.Enqueue(batch => InsertOutgoing(batch, message, targets, nextAttempt));

    /// <summary>
    /// Stores an outgoing 1:1 message and queues it for <paramref name="target"/>, unless <paramref name="maxWaiting"/>
    /// messages already wait there: then nothing is stored and the task's result is null. Completes once committed.
    /// </summary>
    public Task<long?> AppendOutgoingUnlessFullAsync(StoredMessage message, string target, DateTimeOffset nextAttempt, int maxWaiting) =>
        _writes.Enqueue((message, target, nextAttempt, maxWaiting), static (batch, s) =>
            batch.Waiting(s.target) >= s.maxWaiting ? null : (long?)InsertOutgoing(batch, s.message, s.target, s.nextAttempt));

    /// <summary>
    /// A group message: ticks the group's Lamport clock and stores the message with that time, once, with one outbox
    /// row per recipient, in one transaction. Completes with its sequence and Lamport time once committed.
    /// </summary>
    public Task<(long Sequence, long Lamport)> AppendGroupMessageAsync(StoredMessage message, Guid group, IReadOnlyCollection<string> targets,
        DateTimeOffset nextAttempt) =>
        _writes.Enqueue(batch =>
        {
            var lamport = Tick(batch, group, 0);
            return (InsertOutgoing(batch, message with { Lamport = lamport }, targets, nextAttempt), lamport);
        });

    private const string InsertOutboxSql = "INSERT OR IGNORE INTO outbox(message_seq, target, next_attempt) VALUES (?1, ?2, ?3)";

    private static long InsertOutgoing(WriteBatch batch, StoredMessage message, IReadOnlyCollection<string> targets, DateTimeOffset nextAttempt)
    {
        var seq = InsertOutgoingMessage(batch, message);
        foreach (var target in targets)
            InsertOutboxRow(batch, seq, target, nextAttempt);
        // A group message: how many members it went to, so that refusals from all of them fail it (FailRecipient).
        if (targets.Count != 1)
            batch.Execute("UPDATE messages SET recipients = $count WHERE seq = $seq", ("$count", targets.Count), ("$seq", seq));
        return seq;
    }

    // A 1:1 message, every send of a burst: no one-element list and enumerator per message.
    private static long InsertOutgoing(WriteBatch batch, StoredMessage message, string target, DateTimeOffset nextAttempt)
    {
        var seq = InsertOutgoingMessage(batch, message);
        InsertOutboxRow(batch, seq, target, nextAttempt);
        return seq;
    }

    private static long InsertOutgoingMessage(WriteBatch batch, StoredMessage message)
    {
        batch.InsertingMessages();
        if (BindInsert(batch.Raw(InsertMessageSql), message).Execute() != 1)
            return (long)batch.Scalar("SELECT seq FROM messages WHERE id = $id", ("$id", message.Id.ToString()))!;
        batch.Touch(message);
        // The row just inserted, read from the connection rather than by a query per message.
        return SQLitePCL.raw.sqlite3_last_insert_rowid(batch.Db.Handle);
    }

    private static void InsertOutboxRow(WriteBatch batch, long seq, string target, DateTimeOffset nextAttempt)
    {
        if (batch.Raw(InsertOutboxSql).Bind(1, seq).Bind(2, target).Bind(3, nextAttempt.ToUnixTimeMilliseconds()).Execute() == 1)
            batch.Queued(target);
    }

    /// <summary>
    /// An outgoing message's place among this node's messages in its conversation: how many were sent up to
    /// <paramref name="sequence"/> (a sealed direct message carries it, so a mailbox that reorders envelopes cannot
    /// reorder the conversation; outgoing messages are never deleted, so it only grows).
    /// </summary>
    public long OutgoingPosition(string conversation, long sequence) => Locked(db => Convert.ToInt64(Scalar(db,
        "SELECT COUNT(*) FROM messages WHERE conversation = $c AND outgoing = 1 AND seq <= $s", ("$c", conversation), ("$s", sequence))));

    private static readonly string[] MessageParameters =
        ["$id", "$conversation", "$outgoing", "$peer", "$address", "$name", "$text", "$protocol", "$sent", "$stored", "$state", "$lamport"];

    // The insert every message runs, sent or received.
    private static RawStatement BindInsert(RawStatement insert, StoredMessage m) =>
        insert.Bind(1, m.Id).Bind(2, m.Conversation).Bind(3, m.Outgoing ? 1 : 0).Bind(4, m.PeerId).Bind(5, m.Address).Bind(6, m.Name)
            .Bind(7, m.Text).Bind(8, (int)m.Protocol).Bind(9, m.SentAt.ToUnixTimeMilliseconds()).Bind(10, m.StoredAt.ToUnixTimeMilliseconds())
            .Bind(11, (int)m.State).Bind(12, m.Lamport);

    // Parameters are created once per command and only their values change: a batch binds thousands of rows.
    internal static void Bind(SqliteCommand command, StoredMessage m)
    {
        if (command.Parameters.Count == 0)
        {
            foreach (var name in MessageParameters)
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        var p = command.Parameters;
        p[0].Value = m.Id.ToString();
        p[1].Value = m.Conversation;
        p[2].Value = m.Outgoing ? 1 : 0;
        p[3].Value = (object?)m.PeerId ?? DBNull.Value;
        p[4].Value = m.Address;
        p[5].Value = m.Name;
        p[6].Value = m.Text;
        p[7].Value = (int)m.Protocol;
        p[8].Value = m.SentAt.ToUnixTimeMilliseconds();
        p[9].Value = m.StoredAt.ToUnixTimeMilliseconds();
        p[10].Value = (int)m.State;
        p[11].Value = (object?)m.Lamport ?? DBNull.Value;
    }

    private const string Columns =
        "m.seq, m.id, m.conversation, m.outgoing, m.peer_id, m.address, m.name, m.text, m.protocol, m.sent_at, m.stored_at, m.state, m.attempts, m.error, m.lamport, " +
        "(SELECT group_concat(f.reason, '; ') FROM delivery_failures f WHERE f.message_seq = m.seq)";

    private const int ColumnCount = 16;

    private static StoredMessage Read(SqliteDataReader r) =>
        new(Guid.Parse(r.GetString(1)), r.GetString(2), r.GetInt64(3) == 1, r.IsDBNull(4) ? null : r.GetString(4),
            r.GetString(5), r.GetString(6), r.GetString(7), (PeerProtocol)r.GetInt32(8),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(10)),
            (MessageState)r.GetInt32(11))
        {
            Sequence = r.GetInt64(0),
            Attempts = r.GetInt32(12),
            Error = r.IsDBNull(13) ? null : r.GetString(13),
            Lamport = r.IsDBNull(14) ? null : r.GetInt64(14),
            Refusals = r.IsDBNull(15) ? null : r.GetString(15),
        };
}
