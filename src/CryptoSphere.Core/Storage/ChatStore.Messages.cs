using CryptoSphere.Core.Peers;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

// Writing messages and moving them through the outbox.
public sealed partial class ChatStore
{
    private const string InsertMessageSql = """
        INSERT OR IGNORE INTO messages(id, conversation, outgoing, peer_id, address, name, text, protocol, sent_at, stored_at, state, lamport)
        VALUES ($id, $conversation, $outgoing, $peer, $address, $name, $text, $protocol, $sent, $stored, $state, $lamport)
        """;

    private const string TouchConversationSql = """
        INSERT INTO conversations(id, title, last_activity) VALUES ($conversation, $name, $stored)
        ON CONFLICT(id) DO UPDATE SET title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE title END,
                                      last_activity = excluded.last_activity
        """;

    /// <summary>Queues a received message for the next batch; <paramref name="committed"/> says whether it was new.</summary>
    public void AppendReceived(StoredMessage message, Action<bool>? committed) =>
        _writer.Enqueue(message, committed is null ? null : outcome => committed(outcome.IsNew));

    /// <summary>
    /// Queues a received message for the next batch; <paramref name="done"/> says whether it was new, a resend,
    /// or refused (over its author's quota, or under an ID another author already used).
    /// </summary>
    public void AppendReceivedChecked(StoredMessage message, Action<ReceiveOutcome> done) => _writer.Enqueue(message, done);

    /// <summary>Stores a received message now and says whether it was new (legacy: one per connection).</summary>
    public async Task<bool> AppendReceivedAsync(StoredMessage message) => (await AppendReceivedCheckedAsync(message).ConfigureAwait(false)).IsNew;

    /// <summary>Stores a received message now and says what became of it.</summary>
    public Task<ReceiveOutcome> AppendReceivedCheckedAsync(StoredMessage message)
    {
        var done = new TaskCompletionSource<ReceiveOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _writer.Enqueue(message, outcome => done.TrySetResult(outcome));
        return done.Task;
    }

    /// <summary>What others may make this node store; unlimited until the node sets its limits.</summary>
    public StorageQuota Quota { get; set; } = StorageQuota.Unlimited;

    /// <summary>Acknowledgements waiting to be applied now, and the most there ever were.</summary>
    internal long AcknowledgementsQueued => _acks.Queued;

    internal long AcknowledgementsHighWater => _acks.HighWater;

    /// <summary>Received messages waiting for the writer.</summary>
    internal int ReceivedQueued => _writer.Queued;

    internal void InsertReceived(IEnumerable<StoredMessage> messages, List<ReceiveOutcome> outcomes) => Locked(db =>
    {
        using var transaction = db.BeginTransaction();
        var firstNew = NextSequence(db, transaction);
        using var insert = Command(db, InsertMessageSql, transaction);
        using var owner = Command(db, "SELECT outgoing, peer_id, address FROM messages WHERE id = $id", transaction, ("$id", ""));
        // One conversation update per batch, with its latest message, rather than one per message.
        var latest = new Dictionary<string, StoredMessage>(StringComparer.Ordinal);
        var quota = Quota;
        foreach (var message in messages)
        {
            if (quota.Check(db, transaction, message, out var author, out var bytes) is { } overQuota)
            {
                outcomes.Add(ReceiveOutcome.Refused(overQuota));
                continue;
            }
            Bind(insert, message);
            if (insert.ExecuteNonQuery() == 1)
            {
                latest[message.Conversation] = message;
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
        using var touch = Command(db, TouchConversationSql, transaction);
        foreach (var message in latest.Values)
        {
            Bind(touch, message);
            touch.ExecuteNonQuery();
        }
        IndexFrom(db, transaction, firstNew);
        transaction.Commit();
    });

    private static long NextSequence(SqliteConnection db, SqliteTransaction transaction)
    {
        using var max = Command(db, "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages", transaction);
        return (long)max.ExecuteScalar()!;
    }

    // Full-text indexing of the rows just written, in one statement: much cheaper than a trigger per row.
    private static void IndexFrom(SqliteConnection db, SqliteTransaction transaction, long firstSequence) =>
        Execute(db, "INSERT INTO messages_fts(rowid, text) SELECT seq, text FROM messages WHERE seq >= $first", transaction,
            ("$first", firstSequence));

    /// <summary>Stores an outgoing message and puts it in the outbox for <paramref name="target"/>; returns its sequence.</summary>
    public long AppendOutgoing(StoredMessage message, string target, DateTimeOffset nextAttempt) =>
        AppendOutgoing(message, [target], nextAttempt);

    /// <summary>Stores an outgoing message once, with one outbox row per recipient (a group message).</summary>
    public long AppendOutgoing(StoredMessage message, IReadOnlyCollection<string> targets, DateTimeOffset nextAttempt) => Locked(db =>
    {
        using var transaction = db.BeginTransaction();
        using (var insert = Command(db, InsertMessageSql, transaction))
        {
            Bind(insert, message);
            insert.ExecuteNonQuery();
        }
        using (var touch = Command(db, TouchConversationSql, transaction))
        {
            Bind(touch, message);
            touch.ExecuteNonQuery();
        }
        long seq;
        using (var select = Command(db, "SELECT seq FROM messages WHERE id = $id", transaction, ("$id", message.Id.ToString())))
            seq = (long)select.ExecuteScalar()!;
        IndexFrom(db, transaction, seq);
        foreach (var target in targets)
            Execute(db, "INSERT OR IGNORE INTO outbox(message_seq, target, next_attempt) VALUES ($seq, $target, $next)", transaction,
                ("$seq", seq), ("$target", target), ("$next", nextAttempt.ToUnixTimeMilliseconds()));
        if (targets.Count != 1)
            Execute(db, "UPDATE messages SET recipients = $count WHERE seq = $seq", transaction, ("$count", targets.Count), ("$seq", seq));
        transaction.Commit();
        return seq;
    });

    /// <summary>Secure: written, waiting for the ack (stays in the outbox). Legacy: final (leaves the outbox).</summary>
    public void MarkSent(Guid id, bool leaveOutbox) => SetState(id, MessageState.Sent, null, leaveOutbox);

    /// <summary>
    /// Queues an acknowledgement from one recipient for the next batch. Its outbox row goes, and the message
    /// counts as delivered once no recipient is left; <paramref name="done"/> says whether it settled anything
    /// (false when that recipient had nothing pending for this message).
    /// </summary>
    public void AppendAcknowledgement(Guid id, string target, Action<bool> done) => _acks.Enqueue(id, target, done);

    internal bool[] ApplyAcknowledgements(IReadOnlyList<(Guid Id, string Target)> acks) => Locked(db =>
    {
        var results = new bool[acks.Count];
        using var transaction = db.BeginTransaction();
        using var delete = Command(db, "DELETE FROM outbox WHERE message_seq = (SELECT seq FROM messages WHERE id = $id) AND target = $target",
            transaction, ("$id", ""), ("$target", ""));
        using var settle = Command(db, """
            UPDATE messages SET state = 2 WHERE id = $id AND outgoing = 1
            AND NOT EXISTS (SELECT 1 FROM outbox WHERE message_seq = messages.seq)
            """, transaction, ("$id", ""));
        for (var i = 0; i < acks.Count; i++)
        {
            delete.Parameters[0].Value = acks[i].Id.ToString();
            delete.Parameters[1].Value = acks[i].Target;
            results[i] = delete.ExecuteNonQuery() == 1;
            if (results[i])
            {
                settle.Parameters[0].Value = acks[i].Id.ToString();
                settle.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return results;
    });

    public bool MarkFailed(Guid id, string error) => SetState(id, MessageState.Failed, error, leaveOutbox: true);

    /// <summary>The conversation of one of this node's own messages; null when there is none with that ID.</summary>
    public string? ConversationOfOutgoing(Guid id) => Locked(db =>
        Scalar(db, "SELECT conversation FROM messages WHERE id = $id AND outgoing = 1", ("$id", id.ToString())) as string);

    /// <summary>
    /// One recipient refused the message for good (a group member that left): its outbox row goes, the reason is
    /// kept, and once no recipient is pending the message is failed if every one refused, else delivered.
    /// False when that recipient had nothing pending for it (already acknowledged, or given up).
    /// </summary>
    public bool FailRecipient(Guid id, string target, string reason, DateTimeOffset now) => Locked(db =>
    {
        if (Scalar(db, "SELECT seq FROM messages WHERE id = $id AND outgoing = 1", ("$id", id.ToString())) is not long seq)
            return false;
        using var transaction = db.BeginTransaction();
        if (Execute(db, "DELETE FROM outbox WHERE message_seq = $seq AND target = $target", transaction, ("$seq", seq), ("$target", target)) == 0)
            return false;
        Execute(db, "INSERT OR REPLACE INTO delivery_failures(message_seq, target, reason, failed_at) VALUES ($seq, $target, $reason, $at)",
            transaction, ("$seq", seq), ("$target", target), ("$reason", reason), ("$at", now.ToUnixTimeMilliseconds()));
        Execute(db, """
            UPDATE messages SET
                state = CASE WHEN (SELECT COUNT(*) FROM delivery_failures WHERE message_seq = $seq) >= recipients THEN 3 ELSE 2 END,
                error = (SELECT group_concat(reason, '; ') FROM delivery_failures WHERE message_seq = $seq)
            WHERE seq = $seq AND NOT EXISTS (SELECT 1 FROM outbox WHERE message_seq = $seq)
            """, transaction, ("$seq", seq));
        transaction.Commit();
        return true;
    });

    private bool SetState(Guid id, MessageState state, string? error, bool leaveOutbox) => Locked(db =>
    {
        using var transaction = db.BeginTransaction();
        var changed = Execute(db, """
            UPDATE messages SET state = $state, error = COALESCE($error, error)
            WHERE id = $id AND outgoing = 1 AND state NOT IN (2, 3)
            """, transaction, ("$state", (int)state), ("$error", error), ("$id", id.ToString()));
        if (leaveOutbox)
            Execute(db, "DELETE FROM outbox WHERE message_seq = (SELECT seq FROM messages WHERE id = $id)", transaction,
                ("$id", id.ToString()));
        transaction.Commit();
        return changed == 1;
    });

    /// <summary>Counts a failed attempt and sets when to try again (for one recipient, or all).</summary>
    public void RecordAttempt(Guid id, string error, DateTimeOffset nextAttempt, string? target = null) => Locked(db =>
    {
        using var transaction = db.BeginTransaction();
        Execute(db, "UPDATE messages SET attempts = attempts + 1, error = $error WHERE id = $id", transaction,
            ("$error", error), ("$id", id.ToString()));
        Execute(db, """
            UPDATE outbox SET next_attempt = $next
            WHERE message_seq = (SELECT seq FROM messages WHERE id = $id) AND ($target IS NULL OR target = $target)
            """, transaction, ("$next", nextAttempt.ToUnixTimeMilliseconds()), ("$id", id.ToString()), ("$target", target));
        transaction.Commit();
    });

    /// <summary>
    /// A message queued for an address turned out to be for a secure peer: it moves to that peer's outbox
    /// and goes over TLS, never in plaintext.
    /// </summary>
    public void MoveToSecure(Guid id, string fromTarget, string peerId, string toTarget) => Locked(db =>
    {
        using var transaction = db.BeginTransaction();
        // Targets are conversation IDs: the message moves to the peer's conversation, and an address
        // conversation left empty by the move disappears from the list.
        Execute(db, "UPDATE messages SET protocol = 1, peer_id = $peer, conversation = $to WHERE id = $id", transaction,
            ("$peer", peerId), ("$to", toTarget), ("$id", id.ToString()));
        Execute(db, """
            INSERT INTO conversations(id, title, last_activity) SELECT $to, name, stored_at FROM messages WHERE id = $id
            ON CONFLICT(id) DO UPDATE SET last_activity = MAX(last_activity, excluded.last_activity)
            """, transaction, ("$to", toTarget), ("$id", id.ToString()));
        Execute(db, "DELETE FROM conversations WHERE id = $from AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation = $from)",
            transaction, ("$from", fromTarget));
        Execute(db, "UPDATE outbox SET target = $to WHERE target = $from AND message_seq = (SELECT seq FROM messages WHERE id = $id)",
            transaction, ("$to", toTarget), ("$from", fromTarget), ("$id", id.ToString()));
        transaction.Commit();
    });

    /// <summary>Makes every queued message for <paramref name="target"/> due now (the peer is back).</summary>
    public void MakeDue(string target, DateTimeOffset now) => Locked(db =>
        Execute(db, "UPDATE outbox SET next_attempt = $now WHERE target = $target", null,
            ("$now", now.ToUnixTimeMilliseconds()), ("$target", target)));

    /// <summary>Everything in the outbox, oldest first, with its target.</summary>
    public IReadOnlyList<(StoredMessage Message, string Target, DateTimeOffset NextAttempt)> Outbox(string? target = null, long after = 0) => Locked(db =>
    {
        using var command = Command(db, $"""
            SELECT {Columns}, o.target, o.next_attempt FROM outbox o JOIN messages m ON m.seq = o.message_seq
            WHERE ($target IS NULL OR o.target = $target) AND o.message_seq > $after ORDER BY m.seq
            """, null, ("$target", target), ("$after", after));
        using var reader = command.ExecuteReader();
        var rows = new List<(StoredMessage, string, DateTimeOffset)>();
        while (reader.Read())
            rows.Add((Read(reader), reader.GetString(ColumnCount), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ColumnCount + 1))));
        return rows;
    });

    public int OutboxCount(string target) => Locked(db =>
        Convert.ToInt32(Scalar(db, "SELECT COUNT(*) FROM outbox WHERE target = $target", ("$target", target))));

    /// <summary>
    /// An outgoing message's place among this node's messages in its conversation: how many were sent up to
    /// <paramref name="sequence"/> (a sealed direct message carries it, so a mailbox that reorders envelopes cannot
    /// reorder the conversation; outgoing messages are never deleted, so it only grows).
    /// </summary>
    public long OutgoingPosition(string conversation, long sequence) => Locked(db => Convert.ToInt64(Scalar(db,
        "SELECT COUNT(*) FROM messages WHERE conversation = $c AND outgoing = 1 AND seq <= $s", ("$c", conversation), ("$s", sequence))));

    private static readonly string[] MessageParameters =
        ["$id", "$conversation", "$outgoing", "$peer", "$address", "$name", "$text", "$protocol", "$sent", "$stored", "$state", "$lamport"];

    // Parameters are created once per command and only their values change: a batch binds thousands of rows.
    private static void Bind(SqliteCommand command, StoredMessage m)
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
