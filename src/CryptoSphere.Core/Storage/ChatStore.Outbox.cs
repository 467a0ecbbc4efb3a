using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

// Moving messages through the outbox: sent, acknowledged, failed, retried, moved. Each change exists once, as a
// write on a batch; the synchronous methods run it in a transaction of their own, the ...Async ones queue it for
// the batching writer and complete once it is committed.
public sealed partial class ChatStore
{
    /// <summary>Secure: written, waiting for the ack (stays in the outbox). Legacy: final (leaves the outbox).</summary>
    public void MarkSent(Guid id, bool leaveOutbox) => WriteNow(batch => SetState(batch, id, MessageState.Sent, null, leaveOutbox));

    /// <summary>Marks messages sent (see <see cref="MarkSent"/>) in the next batch; completes once committed.</summary>
    public Task MarkSentAsync(IReadOnlyList<Guid> ids, bool leaveOutbox) => _writes.Enqueue(batch =>
    {
        foreach (var id in ids)
            SetState(batch, id, MessageState.Sent, null, leaveOutbox);
        return true;
    });

    /// <summary>
    /// Marks secure messages sent (written, waiting for their ACK) by their sequence numbers, in the next batch; completes
    /// once committed. The outbox writes rows that carry them, and a lookup by row costs less than one by ID, per message
    /// of a burst. A message already delivered or failed stays so.
    /// </summary>
    public Task MarkSentAsync(IReadOnlyList<long> sequences) => _writes.Enqueue(sequences, static (batch, sequences) =>
    {
        var update = batch.Raw("UPDATE messages SET state = ?1 WHERE seq = ?2 AND outgoing = 1 AND state NOT IN (2, 3)");
        foreach (var sequence in sequences)
            update.Bind(1, (int)MessageState.Sent).Bind(2, sequence).Execute();
        return true;
    });

    /// <summary>
    /// Queues an acknowledgement from one recipient for the next batch. Its outbox row goes, and the message
    /// counts as delivered once no recipient is left; <paramref name="done"/> says whether it settled anything
    /// (false when that recipient had nothing pending for this message).
    /// </summary>
    public void AppendAcknowledgement(Guid id, string target, Action<bool> done) => _writes.Acknowledgements.Enqueue(id, target, done);

    internal static bool[] ApplyAcknowledgements(WriteBatch batch, IReadOnlyList<(Guid Id, string Target, Action<bool> Done)> acks)
    {
        var results = new bool[acks.Count];
        var delete = batch.Raw("DELETE FROM outbox WHERE message_seq = (SELECT seq FROM messages WHERE id = ?1) AND target = ?2");
        var settle = batch.Raw("""
            UPDATE messages SET state = 2 WHERE id = ?1 AND outgoing = 1
            AND NOT EXISTS (SELECT 1 FROM outbox WHERE message_seq = messages.seq)
            """);
        for (var i = 0; i < acks.Count; i++)
        {
            results[i] = delete.Bind(1, acks[i].Id).Bind(2, acks[i].Target).Execute() == 1;
            if (results[i])
                settle.Bind(1, acks[i].Id).Execute();
        }
        batch.OutboxShrank();
        return results;
    }

    public bool MarkFailed(Guid id, string error) => WriteNow(batch => SetState(batch, id, MessageState.Failed, error, leaveOutbox: true));

    /// <summary><see cref="MarkFailed"/> in the next batch; true once committed if it changed the message.</summary>
    public Task<bool> MarkFailedAsync(Guid id, string error) =>
        _writes.Enqueue(batch => SetState(batch, id, MessageState.Failed, error, leaveOutbox: true));

    /// <summary>The conversation of one of this node's own messages; null when there is none with that ID.</summary>
    public string? ConversationOfOutgoing(Guid id) => Locked(db =>
        Scalar(db, "SELECT conversation FROM messages WHERE id = $id AND outgoing = 1", ("$id", id.ToString())) as string);

    /// <summary>
    /// One recipient refused the message for good (a group member that left): its outbox row goes, the reason is
    /// kept, and once no recipient is pending the message is failed if every one refused, else delivered.
    /// False when that recipient had nothing pending for it (already acknowledged, or given up).
    /// </summary>
    public bool FailRecipient(Guid id, string target, string reason, DateTimeOffset now) =>
        WriteNow(batch => FailRecipient(batch, id, target, reason, now));

    /// <summary><see cref="FailRecipient(Guid, string, string, DateTimeOffset)"/> in the next batch; its result once committed.</summary>
    public Task<bool> FailRecipientAsync(Guid id, string target, string reason, DateTimeOffset now) =>
        _writes.Enqueue(batch => FailRecipient(batch, id, target, reason, now));

    private static bool FailRecipient(WriteBatch batch, Guid id, string target, string reason, DateTimeOffset now)
    {
        if (batch.Scalar("SELECT seq FROM messages WHERE id = $id AND outgoing = 1", ("$id", id.ToString())) is not long seq)
            return false;
        if (batch.Execute("DELETE FROM outbox WHERE message_seq = $seq AND target = $target", ("$seq", seq), ("$target", target)) == 0)
            return false;
        batch.OutboxShrank();
        batch.Execute("INSERT OR REPLACE INTO delivery_failures(message_seq, target, reason, failed_at) VALUES ($seq, $target, $reason, $at)",
            ("$seq", seq), ("$target", target), ("$reason", reason), ("$at", now.ToUnixTimeMilliseconds()));
        batch.Execute("""
            UPDATE messages SET
                state = CASE WHEN (SELECT COUNT(*) FROM delivery_failures WHERE message_seq = $seq) >= recipients THEN 3 ELSE 2 END,
                error = (SELECT group_concat(reason, '; ') FROM delivery_failures WHERE message_seq = $seq)
            WHERE seq = $seq AND NOT EXISTS (SELECT 1 FROM outbox WHERE message_seq = $seq)
            """, ("$seq", seq));
        return true;
    }

    private static bool SetState(WriteBatch batch, Guid id, MessageState state, string? error, bool leaveOutbox)
    {
        var changed = batch.Raw("""
            UPDATE messages SET state = ?1, error = COALESCE(?2, error)
            WHERE id = ?3 AND outgoing = 1 AND state NOT IN (2, 3)
            """).Bind(1, (int)state).Bind(2, error).Bind(3, id).Execute();
        if (leaveOutbox)
        {
            batch.Raw("DELETE FROM outbox WHERE message_seq = (SELECT seq FROM messages WHERE id = ?1)").Bind(1, id).Execute();
            batch.OutboxShrank();
        }
        return changed == 1;
    }

    /// <summary>Counts a failed attempt and sets when to try again (for one recipient, or all).</summary>
    public void RecordAttempt(Guid id, string error, DateTimeOffset nextAttempt, string? target = null) =>
        WriteNow(batch => RecordAttempt(batch, id, error, nextAttempt, target));

    /// <summary>How many parts of legacy message <paramref name="id"/> the old peer has read already (0 for one in one part).</summary>
    public int LegacyPartsSent(Guid id) => Locked(db =>
        Convert.ToInt32(Scalar(db, """
            SELECT COALESCE((SELECT parts_sent FROM legacy_parts WHERE message_seq = (SELECT seq FROM messages WHERE id = $id)), 0)
            """, ("$id", id.ToString()))));

    /// <summary>Records that the old peer has read the first <paramref name="parts"/> parts of message <paramref name="id"/>.</summary>
    public Task RecordLegacyPartsSentAsync(Guid id, int parts) => _writes.Enqueue(batch =>
        batch.Execute("INSERT OR REPLACE INTO legacy_parts(message_seq, parts_sent) SELECT seq, $parts FROM messages WHERE id = $id",
            ("$parts", parts), ("$id", id.ToString())));

    /// <summary><see cref="RecordAttempt(Guid, string, DateTimeOffset, string?)"/> in the next batch; completes once committed.</summary>
    public Task RecordAttemptAsync(Guid id, string error, DateTimeOffset nextAttempt, string? target = null) =>
        _writes.Enqueue(batch => RecordAttempt(batch, id, error, nextAttempt, target));

    private static bool RecordAttempt(WriteBatch batch, Guid id, string error, DateTimeOffset nextAttempt, string? target)
    {
        batch.Execute("UPDATE messages SET attempts = attempts + 1, error = $error WHERE id = $id", ("$error", error), ("$id", id.ToString()));
        batch.Execute("""
            UPDATE outbox SET next_attempt = $next
            WHERE message_seq = (SELECT seq FROM messages WHERE id = $id) AND ($target IS NULL OR target = $target)
            """, ("$next", nextAttempt.ToUnixTimeMilliseconds()), ("$id", id.ToString()), ("$target", target));
        return true;
    }

    /// <summary>
    /// A message queued for an address turned out to be for a secure peer: it moves to that peer's outbox
    /// and goes over TLS, never in plaintext.
    /// </summary>
    public void MoveToSecure(Guid id, string fromTarget, string peerId, string toTarget) =>
        WriteNow(batch => MoveToSecure(batch, id, fromTarget, peerId, toTarget));

    /// <summary><see cref="MoveToSecure(Guid, string, string, string)"/> in the next batch; completes once committed.</summary>
    public Task MoveToSecureAsync(Guid id, string fromTarget, string peerId, string toTarget) =>
        _writes.Enqueue(batch => MoveToSecure(batch, id, fromTarget, peerId, toTarget));

    private static bool MoveToSecure(WriteBatch batch, Guid id, string fromTarget, string peerId, string toTarget)
    {
        // Targets are conversation IDs: the message moves to the peer's conversation, and an address
        // conversation left empty by the move disappears from the list.
        batch.Execute("UPDATE messages SET protocol = 1, peer_id = $peer, conversation = $to WHERE id = $id",
            ("$peer", peerId), ("$to", toTarget), ("$id", id.ToString()));
        batch.Execute("""
            INSERT INTO conversations(id, title, last_activity) SELECT $to, name, stored_at FROM messages WHERE id = $id
            ON CONFLICT(id) DO UPDATE SET last_activity = MAX(last_activity, excluded.last_activity)
            """, ("$to", toTarget), ("$id", id.ToString()));
        batch.Execute("DELETE FROM conversations WHERE id = $from AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation = $from)",
            ("$from", fromTarget));
        batch.Execute("UPDATE outbox SET target = $to WHERE target = $from AND message_seq = (SELECT seq FROM messages WHERE id = $id)",
            ("$to", toTarget), ("$from", fromTarget), ("$id", id.ToString()));
        batch.OutboxShrank();
        return true;
    }

    /// <summary>Makes every queued message for <paramref name="target"/> due now (the peer is back).</summary>
    public void MakeDue(string target, DateTimeOffset now) => WriteNow(batch => MakeDue(batch, target, now));

    /// <summary><see cref="MakeDue(string, DateTimeOffset)"/> in the next batch; completes once committed.</summary>
    public Task MakeDueAsync(string target, DateTimeOffset now) => _writes.Enqueue(batch => MakeDue(batch, target, now));

    private static bool MakeDue(WriteBatch batch, string target, DateTimeOffset now) =>
        batch.Execute("UPDATE outbox SET next_attempt = $now WHERE target = $target", ("$now", now.ToUnixTimeMilliseconds()), ("$target", target)) >= 0;

    /// <summary>Everything in the outbox, oldest first, with its target.</summary>
    public IReadOnlyList<(StoredMessage Message, string Target, DateTimeOffset NextAttempt)> Outbox(string? target = null, long after = 0) => Locked(db =>
    {
        // Driven by the outbox's own indexes: "($target IS NULL OR ...)" let SQLite walk every message after $after
        // instead, the whole history for a pass over the outbox.
        // One peer's: read for every flush (each message sent one at a time), so kept prepared.
        var kept = target is null ? null : Prepared(OutboxOfTargetSql, ("$target", target), ("$after", after));
        using var own = kept is not null ? null : target is null
            ? Command(db, $"""
                SELECT {Columns}, o.target, o.next_attempt FROM outbox o JOIN messages m ON m.seq = o.message_seq
                WHERE o.message_seq > $after ORDER BY o.message_seq
                """, null, ("$after", after))
            : Command(db, OutboxOfTargetSql, null, ("$target", target), ("$after", after));
        using var reader = (kept ?? own!).ExecuteReader();
        var rows = new List<(StoredMessage, string, DateTimeOffset)>();
        while (reader.Read())
            rows.Add((Read(reader), reader.GetString(ColumnCount), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ColumnCount + 1))));
        return rows;
    });

    private const string OutboxOfTargetSql = $"""
        SELECT {Columns}, o.target, o.next_attempt FROM outbox o JOIN messages m ON m.seq = o.message_seq
        WHERE o.target = $target AND o.message_seq > $after ORDER BY o.message_seq
        """;

    /// <summary>
    /// What waits for <paramref name="target"/> after sequence <paramref name="after"/>, oldest first, as its frames need
    /// it: read for every flush (each message sent is read back once), so narrow and through a kept statement. At most
    /// <paramref name="limit"/> rows: a flush reads a backlog a page at a time.
    /// </summary>
    public List<PendingFrame> PendingFrames(string target, long after, int limit = int.MaxValue) => Locked(db =>
    {
        var kept = _prepared.Raw(PendingFramesSql);
        using var own = kept is null ? new RawStatement(db, PendingFramesSql) : null;
        var query = (kept ?? own!).Bind(1, target).Bind(2, after).Bind(3, limit);
        var rows = new List<PendingFrame>();
        try
        {
            while (query.Read())
                rows.Add(new PendingFrame(query.Int64(0), query.Id(1), query.IsNull(2) ? null : query.Text(2), query.IsNull(3) ? null : query.Int64(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(query.Int64(4)), query.Text(5), (MessageState)query.Int64(6)));
        }
        catch
        {
            query.Reset();
            throw;
        }
        return rows;
    });

    private const string PendingFramesSql = $"""
        SELECT m.seq, m.id, CASE WHEN m.conversation LIKE '{StoredMessage.GroupPrefix}%' THEN m.conversation END, m.lamport, m.sent_at, m.text, m.state
        FROM outbox o JOIN messages m ON m.seq = o.message_seq
        WHERE o.target = ?1 AND o.message_seq > ?2 ORDER BY o.message_seq LIMIT ?3
        """;

    /// <summary>Every target with something in the outbox.</summary>
    public IReadOnlyList<string> OutboxTargets() => Locked(db =>
    {
        using var command = Command(db, "SELECT DISTINCT target FROM outbox", null);
        using var reader = command.ExecuteReader();
        var targets = new List<string>();
        while (reader.Read())
            targets.Add(reader.GetString(0));
        return targets;
    });

    /// <summary>The oldest message waiting for <paramref name="target"/>: when it was stored and when it is next due; null when none waits.</summary>
    public (long Sequence, DateTimeOffset StoredAt, DateTimeOffset NextAttempt)? OutboxHead(string target) => Locked(db =>
    {
        using var command = Command(db, """
            SELECT o.message_seq, m.stored_at, o.next_attempt FROM outbox o JOIN messages m ON m.seq = o.message_seq
            WHERE o.target = $target ORDER BY o.message_seq LIMIT 1
            """, null, ("$target", target));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? (reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)))
            : ((long, DateTimeOffset, DateTimeOffset)?)null;
    });

    /// <summary>One message while it waits in <paramref name="target"/>'s outbox; null once it has left it.</summary>
    public StoredMessage? OutboxEntry(Guid id, string target) => Locked(db =>
    {
        using var command = Command(db, $"SELECT {Columns} FROM outbox o JOIN messages m ON m.seq = o.message_seq WHERE m.id = $id AND o.target = $target",
            null, ("$id", id.ToString()), ("$target", target));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    });

    public int OutboxCount(string target) => Locked(db =>
        Convert.ToInt32(Scalar(db, "SELECT COUNT(*) FROM outbox WHERE target = $target", ("$target", target))));

    /// <summary>How many messages wait for each of <paramref name="targets"/>, read in one go (a group send asks for every member).</summary>
    public IReadOnlyDictionary<string, int> OutboxCounts(IEnumerable<string> targets) => Locked(db =>
    {
        using var count = Command(db, "SELECT COUNT(*) FROM outbox WHERE target = $target", null, ("$target", ""));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            count.Parameters[0].Value = target;
            counts[target] = Convert.ToInt32(count.ExecuteScalar());
        }
        return counts;
    });
}
