using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>The sender's side: what contacts told us about their keys and mailboxes, and the envelopes we left.</summary>
public sealed partial class MailboxStore
{
    /// <summary>
    /// Keeps <paramref name="peer"/>'s agreement key and mailbox directory if the peer is trusted, both verify
    /// against its ID, and the directory is newer than the one kept. Throws <see cref="EnvelopeException"/> for
    /// records that do not verify; false when not kept for another reason.
    /// </summary>
    public bool LearnPeer(PeerId peer, AgreementKeyRecord key, MailboxDirectory directory)
    {
        if (!_isTrusted(peer))
            return false;
        key.Verify(peer);
        directory.Verify(peer);
        return Locked(db => Execute(db, """
            INSERT INTO peer_info(peer, agreement, directory, issued) VALUES ($p, $a, $d, $i)
            ON CONFLICT(peer) DO UPDATE SET agreement = $a, directory = $d, issued = $i WHERE excluded.issued > peer_info.issued
            """, ("$p", peer.Value), ("$a", key.Encoded.ToArray()), ("$d", directory.Encoded.ToArray()),
            ("$i", directory.IssuedAt.ToUnixTimeMilliseconds())) > 0);
    }

    /// <summary>What <paramref name="peer"/> last told us, checked again on the way out; null if nothing usable.</summary>
    public (AgreementKeyRecord Key, MailboxDirectory Directory)? PeerInfo(PeerId peer)
    {
        var row = Locked(db =>
        {
            using var command = Command(db, "SELECT agreement, directory FROM peer_info WHERE peer = $p", ("$p", peer.Value));
            using var reader = command.ExecuteReader();
            return reader.Read() ? ((byte[])reader[0], (byte[])reader[1]) : default((byte[], byte[])?);
        });
        if (row is not { } bytes)
            return null;
        try
        {
            var key = AgreementKeyRecord.Decode(bytes.Item1);
            var directory = MailboxDirectory.Decode(bytes.Item2);
            key.Verify(peer);
            directory.Verify(peer);
            return (key, directory);
        }
        catch (EnvelopeException)
        {
            return null;
        }
    }

    /// <summary>Records an envelope left (or being left) with <paramref name="mailbox"/>; <paramref name="outcome"/> null while unanswered.</summary>
    public void RecordSent(SealedEnvelope envelope, Guid messageId, PeerId mailbox, PutOutcome? outcome = null) => Locked(db => Execute(db, """
        INSERT INTO sent_envelopes(envelope_id, message_id, recipient, mailbox, outcome, updated_at) VALUES ($e, $m, $r, $mb, $o, $now)
        ON CONFLICT(envelope_id) DO UPDATE SET outcome = $o, updated_at = $now
        """, ("$e", envelope.Id.ToString()), ("$m", messageId.ToString()), ("$r", envelope.Recipient.Value), ("$mb", mailbox.Value),
        ("$o", outcome is null ? null : (int)outcome.Value), ("$now", Now)));

    /// <summary>Records a mailbox's answer about an envelope we left; returns the message and recipient it was for, if we know it.</summary>
    public (Guid MessageId, PeerId Recipient, PeerId Mailbox)? RecordOutcome(PeerId mailbox, Guid envelopeId, PutOutcome outcome) => Locked(db =>
    {
        Execute(db, "UPDATE sent_envelopes SET outcome = $o, updated_at = $now WHERE envelope_id = $e AND mailbox = $mb",
            ("$o", (int)outcome), ("$now", Now), ("$e", envelopeId.ToString()), ("$mb", mailbox.Value));
        return SentEnvelope(db, envelopeId);
    });

    /// <summary>The message and recipient of an envelope we left, if we know it.</summary>
    public (Guid MessageId, PeerId Recipient, PeerId Mailbox)? SentEnvelope(Guid envelopeId) => Locked(db => SentEnvelope(db, envelopeId));

    private static (Guid, PeerId, PeerId)? SentEnvelope(Microsoft.Data.Sqlite.SqliteConnection db, Guid envelopeId)
    {
        using var command = Command(db, "SELECT message_id, recipient, mailbox FROM sent_envelopes WHERE envelope_id = $e", ("$e", envelopeId.ToString()));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (Guid.Parse(reader.GetString(0)), ReadPeer(reader, 1), ReadPeer(reader, 2)) : null;
    }

    /// <summary>The envelopes we left for a message, with each mailbox's answer (null while unanswered).</summary>
    public IReadOnlyList<(PeerId Recipient, PeerId Mailbox, PutOutcome? Outcome)> SentEnvelopes(Guid messageId) => Locked(db =>
    {
        using var command = Command(db, "SELECT recipient, mailbox, outcome FROM sent_envelopes WHERE message_id = $m ORDER BY updated_at",
            ("$m", messageId.ToString()));
        using var reader = command.ExecuteReader();
        var sent = new List<(PeerId, PeerId, PutOutcome?)>();
        while (reader.Read())
            sent.Add((ReadPeer(reader, 0), ReadPeer(reader, 1), reader.IsDBNull(2) ? null : (PutOutcome)reader.GetInt32(2)));
        return sent;
    });

    /// <summary>
    /// Where a message waits: the mailboxes that said they hold it (for <paramref name="recipient"/> only, when
    /// given: a group message is sealed to each member apart, and members may share a mailbox).
    /// </summary>
    public IReadOnlyList<PeerId> HeldBy(Guid messageId, PeerId? recipient = null) => Locked(db =>
    {
        using var command = Command(db, """
            SELECT mailbox FROM sent_envelopes
            WHERE message_id = $m AND ($r IS NULL OR recipient = $r) AND outcome IN ($held, $already)
            GROUP BY mailbox ORDER BY MIN(updated_at)
            """, ("$m", messageId.ToString()), ("$r", recipient?.Value), ("$held", (int)PutOutcome.Held), ("$already", (int)PutOutcome.AlreadyHeld));
        using var reader = command.ExecuteReader();
        var mailboxes = new List<PeerId>();
        while (reader.Read())
            mailboxes.Add(ReadPeer(reader, 0));
        return mailboxes;
    });
}
