namespace CryptoSphere.Core.Mailbox;

/// <summary>The mailbox database's migrations; <c>PRAGMA user_version</c> counts those applied.</summary>
internal static class MailboxSchema
{
    public static readonly string[] Migrations =
    [
        """
        -- Recipients this node holds mail for. approved: the user ran `mailbox serve`; requested_at: the
        -- recipient asked (MAILBOX_REQUEST). Both are needed before anything is stored.
        CREATE TABLE served(
            recipient TEXT PRIMARY KEY,
            approved INTEGER NOT NULL,
            requested_at INTEGER,
            max_count INTEGER NOT NULL,
            max_bytes INTEGER NOT NULL,
            expiry_seconds INTEGER NOT NULL);

        -- Sealed envelopes as received: the text inside is encrypted to the recipient and never stored in clear.
        CREATE TABLE envelopes(
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            recipient TEXT NOT NULL,
            sender TEXT NOT NULL,
            size INTEGER NOT NULL,
            stored_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            data BLOB NOT NULL);
        CREATE INDEX envelopes_by_recipient ON envelopes(recipient, seq);

        -- Signed delivery receipts waiting for the sender of the envelope they close.
        CREATE TABLE receipts(
            envelope_id TEXT PRIMARY KEY,
            sender TEXT NOT NULL,
            stored_at INTEGER NOT NULL,
            data BLOB NOT NULL);
        CREATE INDEX receipts_by_sender ON receipts(sender);

        -- The other side: mailboxes this node asked to hold its own mail (`mailbox use`).
        CREATE TABLE used(
            mailbox TEXT PRIMARY KEY,
            added_at INTEGER NOT NULL,
            last_state INTEGER,
            last_answer_at INTEGER);
        """,
        """
        -- What trusted contacts told us (MAILBOX_INFO): their signed agreement key record and mailbox directory.
        CREATE TABLE peer_info(
            peer TEXT PRIMARY KEY,
            agreement BLOB NOT NULL,
            directory BLOB NOT NULL,
            issued INTEGER NOT NULL);

        -- Envelopes this node left with mailboxes, so a receipt or a result maps back to the message.
        CREATE TABLE sent_envelopes(
            envelope_id TEXT PRIMARY KEY,
            message_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            mailbox TEXT NOT NULL,
            outcome INTEGER,
            updated_at INTEGER NOT NULL);
        CREATE INDEX sent_envelopes_by_message ON sent_envelopes(message_id);
        """,
        """
        -- The recipient's side: per sender, the furthest place (the payload's order) of a direct message taken from
        -- a mailbox, so one placed before it that comes later is shown as late rather than silently out of order.
        CREATE TABLE taken_order(
            author TEXT PRIMARY KEY,
            position INTEGER NOT NULL);
        """,
        """
        -- The holder's side: envelopes dropped without a receipt (stop-serving, the recipient's stop, expiry), until
        -- their sender is told (ENVELOPE_RESULT NotServed), so its outbox stops saying they are held here.
        CREATE TABLE dropped(
            envelope_id TEXT PRIMARY KEY,
            sender TEXT NOT NULL,
            dropped_at INTEGER NOT NULL);
        CREATE INDEX dropped_by_sender ON dropped(sender);
        """,
    ];

    public static int Version => Migrations.Length;
}
