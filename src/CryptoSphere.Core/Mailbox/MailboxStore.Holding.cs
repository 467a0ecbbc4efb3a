using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>The holder's side: who it serves, and the envelopes it holds for them.</summary>
public sealed partial class MailboxStore
{
    /// <summary>
    /// The user's <c>mailbox serve ID</c>: hold mail for <paramref name="recipient"/> once it asks. False, and
    /// nothing recorded, when the peer is not a trusted contact.
    /// </summary>
    public bool Serve(PeerId recipient, MailboxQuota? quota = null)
    {
        quota ??= MailboxQuota.Default;
        if (quota.Problem is { } problem)
            throw new ArgumentException(problem, nameof(quota));
        if (!_isTrusted(recipient))
            return false;
        return Locked(db => Execute(db, """
            INSERT INTO served(recipient, approved, requested_at, max_count, max_bytes, expiry_seconds) VALUES ($r, 1, NULL, $c, $b, $e)
            ON CONFLICT(recipient) DO UPDATE SET approved = 1, max_count = $c, max_bytes = $b, expiry_seconds = $e
            """, ("$r", recipient.Value), ("$c", quota.MaxEnvelopes), ("$b", quota.MaxBytes), ("$e", (long)quota.Expiry.TotalSeconds)) > 0);
    }

    /// <summary>
    /// Stops serving <paramref name="recipient"/> (or forgets its request) and drops what is held for it; returns how
    /// many envelopes, or null when it was neither served nor asking and nothing was held for it.
    /// </summary>
    public int? StopServing(PeerId recipient)
    {
        var (served, dropped) = Locked(db =>
        {
            using var transaction = db.BeginTransaction();
            NoteDropped(db, transaction, "recipient = $r", ("$r", recipient.Value));
            var dropped = Storage.ChatStore.Execute(db, "DELETE FROM envelopes WHERE recipient = $r", transaction, ("$r", recipient.Value));
            var served = Storage.ChatStore.Execute(db, "DELETE FROM served WHERE recipient = $r", transaction, ("$r", recipient.Value));
            transaction.Commit();
            return (served, dropped);
        });
        Dropped(dropped);
        return served + dropped > 0 ? dropped : null;
    }

    /// <summary>
    /// A recipient asked (MAILBOX_REQUEST, over its authenticated connection) to have its mail held, or to stop.
    /// A stranger's request records nothing; a trusted contact's waits for the user's <see cref="Serve"/>.
    /// </summary>
    public ServeState Request(PeerId recipient, bool wants)
    {
        if (!_isTrusted(recipient))
            return ServeState.Refused;
        if (!wants)
        {
            Dropped(Locked(db =>
            {
                using var transaction = db.BeginTransaction();
                NoteDropped(db, transaction, "recipient = $r", ("$r", recipient.Value));
                var dropped = Storage.ChatStore.Execute(db, "DELETE FROM envelopes WHERE recipient = $r", transaction, ("$r", recipient.Value));
                Storage.ChatStore.Execute(db, "UPDATE served SET requested_at = NULL WHERE recipient = $r", transaction, ("$r", recipient.Value));
                Storage.ChatStore.Execute(db, "DELETE FROM served WHERE recipient = $r AND approved = 0", transaction, ("$r", recipient.Value));
                transaction.Commit();
                return dropped;
            }));
            return ServeState.Stopped;
        }
        return Locked(db =>
        {
            var quota = MailboxQuota.Default;
            Execute(db, """
                INSERT INTO served(recipient, approved, requested_at, max_count, max_bytes, expiry_seconds) VALUES ($r, 0, $now, $c, $b, $e)
                ON CONFLICT(recipient) DO UPDATE SET requested_at = $now
                """, ("$r", recipient.Value), ("$now", Now), ("$c", quota.MaxEnvelopes), ("$b", quota.MaxBytes), ("$e", (long)quota.Expiry.TotalSeconds));
            return Convert.ToInt64(Storage.ChatStore.Scalar(db, "SELECT approved FROM served WHERE recipient = $r", ("$r", recipient.Value))) == 1
                ? ServeState.Serving
                : ServeState.Pending;
        });
    }

    /// <summary>
    /// An envelope handed over by <paramref name="from"/> (authenticated by its connection). Held only if
    /// <paramref name="from"/> is a trusted contact and signed it, and its recipient is trusted, approved, asked,
    /// and has room.
    /// </summary>
    public PutOutcome Put(PeerId from, ReadOnlySpan<byte> encoded)
    {
        if (!_isTrusted(from))
            return PutOutcome.Stranger;
        SealedEnvelope envelope;
        try
        {
            envelope = SealedEnvelope.Decode(encoded);
            if (envelope.Sender != from)
                return PutOutcome.Invalid;
            envelope.VerifySignature();
        }
        catch (EnvelopeException)
        {
            return PutOutcome.Invalid;
        }
        var recipient = envelope.Recipient;
        if (!_isTrusted(recipient))
            return PutOutcome.NotServed;
        var expired = 0;
        var outcome = Locked(db =>
        {
            var now = Now;
            using var transaction = db.BeginTransaction();
            NoteDropped(db, transaction, "recipient = $r AND expires_at <= $now", ("$r", recipient.Value), ("$now", now));
            expired = Storage.ChatStore.Execute(db, "DELETE FROM envelopes WHERE recipient = $r AND expires_at <= $now", transaction,
                ("$r", recipient.Value), ("$now", now));
            using var served = Storage.ChatStore.Command(db, """
                SELECT s.max_count, s.max_bytes, s.expiry_seconds,
                       (SELECT COUNT(*) FROM envelopes e WHERE e.recipient = s.recipient),
                       (SELECT COALESCE(SUM(size), 0) FROM envelopes e WHERE e.recipient = s.recipient),
                       (SELECT COUNT(*) FROM envelopes e WHERE e.id = $id)
                FROM served s WHERE s.recipient = $r AND s.approved = 1 AND s.requested_at IS NOT NULL
                """, transaction, ("$r", recipient.Value), ("$id", envelope.Id.ToString()));
            using var reader = served.ExecuteReader();
            if (!reader.Read())
                return PutOutcome.NotServed;
            var (maxCount, maxBytes, expirySeconds) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            var (count, bytes, exists) = (reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
            reader.Close();
            if (exists > 0)
                return PutOutcome.AlreadyHeld;
            if (count + 1 > maxCount || bytes + envelope.Encoded.Length > maxBytes)
            {
                transaction.Commit();
                return PutOutcome.OverQuota;
            }
            Storage.ChatStore.Execute(db, """
                INSERT INTO envelopes(id, recipient, sender, size, stored_at, expires_at, data) VALUES ($id, $r, $s, $size, $now, $exp, $data)
                """, transaction, ("$id", envelope.Id.ToString()), ("$r", recipient.Value), ("$s", from.Value),
                ("$size", envelope.Encoded.Length), ("$now", now), ("$exp", now + expirySeconds * 1000), ("$data", envelope.Encoded.ToArray()));
            transaction.Commit();
            return PutOutcome.Held;
        });
        Dropped(expired);
        return outcome;
    }

    /// <summary>
    /// Up to <paramref name="max"/> unexpired envelopes for <paramref name="recipient"/>, oldest first. They stay
    /// until the recipient's receipt for each arrives, so a fetch cut short loses nothing.
    /// </summary>
    public IReadOnlyList<HeldEnvelope> Fetch(PeerId recipient, int max, long afterSequence = 0) => Locked(db =>
    {
        using var command = Command(db, """
            SELECT seq, id, sender, size, stored_at, expires_at, data FROM envelopes
            WHERE recipient = $r AND seq > $after AND expires_at > $now ORDER BY seq LIMIT $max
            """, ("$r", recipient.Value), ("$after", afterSequence), ("$now", Now), ("$max", max));
        using var reader = command.ExecuteReader();
        var held = new List<HeldEnvelope>();
        while (reader.Read())
            held.Add(new HeldEnvelope(reader.GetInt64(0), Guid.Parse(reader.GetString(1)), ReadPeer(reader, 2), reader.GetInt32(3),
                ReadTime(reader, 4)!.Value, ReadTime(reader, 5)!.Value, (byte[])reader[6]));
        return held;
    });

    /// <summary>How many unexpired envelopes wait for <paramref name="recipient"/> after <paramref name="afterSequence"/>.</summary>
    public int CountHeld(PeerId recipient, long afterSequence = 0) => Locked(db => Convert.ToInt32(Storage.ChatStore.Scalar(db,
        "SELECT COUNT(*) FROM envelopes WHERE recipient = $r AND seq > $after AND expires_at > $now",
        ("$r", recipient.Value), ("$after", afterSequence), ("$now", Now))));

    /// <summary>Deletes expired envelopes and old receipts; returns how many envelopes.</summary>
    public int Sweep()
    {
        var dropped = Locked(db =>
        {
            var now = Now;
            var cut = now - (long)ReceiptLifetime.TotalMilliseconds;
            Execute(db, "DELETE FROM receipts WHERE stored_at <= $cut", ("$cut", cut));
            // A notice its sender never came back for goes when a receipt would.
            Execute(db, "DELETE FROM dropped WHERE dropped_at <= $cut", ("$cut", cut));
            using var transaction = db.BeginTransaction();
            NoteDropped(db, transaction, "expires_at <= $now", ("$now", now));
            var expired = Storage.ChatStore.Execute(db, "DELETE FROM envelopes WHERE expires_at <= $now", transaction, ("$now", now));
            transaction.Commit();
            return expired;
        });
        Dropped(dropped);
        return dropped;
    }

    /// <summary>Everyone this mailbox serves or was asked by, with what it holds for them.</summary>
    public IReadOnlyList<ServedRecipient> Served() => Locked(db =>
    {
        using var command = Command(db, """
            SELECT s.recipient, s.approved, s.requested_at, s.max_count, s.max_bytes, s.expiry_seconds,
                   COUNT(e.seq), COALESCE(SUM(e.size), 0)
            FROM served s LEFT JOIN envelopes e ON e.recipient = s.recipient AND e.expires_at > $now
            GROUP BY s.recipient ORDER BY s.recipient
            """, ("$now", Now));
        using var reader = command.ExecuteReader();
        var rows = new List<ServedRecipient>();
        while (reader.Read())
            rows.Add(new ServedRecipient(ReadPeer(reader, 0), reader.GetInt64(1) == 1, ReadTime(reader, 2),
                new MailboxQuota(reader.GetInt32(3), reader.GetInt64(4), TimeSpan.FromSeconds(reader.GetInt64(5))),
                reader.GetInt32(6), reader.GetInt64(7)));
        return rows;
    });
}
