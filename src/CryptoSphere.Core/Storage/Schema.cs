namespace CryptoSphere.Core.Storage;

/// <summary>The database schema as a list of migrations; <c>PRAGMA user_version</c> counts those applied.</summary>
internal static class Schema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE contacts(
            peer_id TEXT PRIMARY KEY,
            state INTEGER NOT NULL,
            name TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            last_address TEXT);

        -- Every peer the node has had in its table: who, which protocol, how found, last seen, and when and
        -- why it left. Written when a peer joins or leaves the table and when the node stops.
        CREATE TABLE peers(
            address TEXT PRIMARY KEY,
            peer_id TEXT,
            name TEXT NOT NULL,
            protocol INTEGER NOT NULL,
            source INTEGER NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            messages INTEGER NOT NULL,
            removed_at INTEGER,
            removed_reason TEXT);

        CREATE TABLE conversations(
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            last_activity INTEGER NOT NULL);

        CREATE TABLE messages(
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            conversation TEXT NOT NULL,
            outgoing INTEGER NOT NULL,
            peer_id TEXT,
            address TEXT NOT NULL,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            protocol INTEGER NOT NULL,
            sent_at INTEGER NOT NULL,
            stored_at INTEGER NOT NULL,
            state INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            lamport INTEGER);
        CREATE INDEX messages_by_conversation ON messages(conversation, seq);

        -- Messages that still have to reach a peer (one row per recipient: a group message has several);
        -- a row leaves only on acknowledgement or failure.
        CREATE TABLE outbox(
            message_seq INTEGER NOT NULL REFERENCES messages(seq),
            target TEXT NOT NULL,
            next_attempt INTEGER NOT NULL,
            PRIMARY KEY (message_seq, target));

        CREATE TABLE groups(
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            admin TEXT NOT NULL,
            version INTEGER NOT NULL,
            clock INTEGER NOT NULL DEFAULT 0,
            is_member INTEGER NOT NULL DEFAULT 1);

        -- Removed members stay listed (removed = 1) so the admin can tell them, even when they return later.
        CREATE TABLE group_members(
            group_id TEXT NOT NULL REFERENCES groups(id),
            peer_id TEXT NOT NULL,
            address TEXT,
            removed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (group_id, peer_id));
        CREATE INDEX outbox_by_target ON outbox(target, message_seq);

        -- Rows are indexed per batch by the store (one statement per transaction), not by a trigger per row.
        CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='seq', tokenize='unicode61', detail='none', columnsize=0);
        INSERT INTO messages_fts(messages_fts, rank) VALUES('automerge', 16);
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
        END;
        """,
        """
        -- File transfers in both directions: what resumes after a restart, and what happened to the others.
        -- path: the file being sent (outgoing), or the temporary file and then the final one (incoming).
        CREATE TABLE transfers(
            id TEXT PRIMARY KEY,
            direction INTEGER NOT NULL,
            peer_id TEXT NOT NULL,
            peer_name TEXT NOT NULL,
            path TEXT NOT NULL,
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            verified_offset INTEGER NOT NULL DEFAULT 0,
            state INTEGER NOT NULL,
            source_write_time INTEGER,
            error TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);
        CREATE INDEX transfers_by_state ON transfers(state, peer_id);
        """,
        """
        -- What each peer made this node store (its quota), and the messages of one author (deduplication).
        CREATE INDEX messages_by_peer ON messages(peer_id, outgoing);
        """,
        """
        -- Syncthing device ID (SHA-256 of the whole certificate) next to the peer ID (of the key): how relays and
        -- global discovery know the contact. Learnt from the certificate the peer showed in a handshake.
        -- relay_url: the relay the contact said it is joined to (from an invite link).
        ALTER TABLE contacts ADD COLUMN device_id TEXT;
        ALTER TABLE contacts ADD COLUMN relay_url TEXT;
        CREATE INDEX contacts_by_device ON contacts(device_id);
        """,
        """
        -- Group messages: how many members a message went to, and each member that refused it for good (it left the
        -- group or was removed), with why. A message every recipient refused is failed; otherwise it is delivered to
        -- the others, and history says who refused.
        ALTER TABLE messages ADD COLUMN recipients INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE delivery_failures(
            message_seq INTEGER NOT NULL REFERENCES messages(seq),
            target TEXT NOT NULL,
            reason TEXT NOT NULL,
            failed_at INTEGER NOT NULL,
            PRIMARY KEY (message_seq, target));
        """,
        """
        -- Every incoming session asks whether a trusted contact owns the address it claims: without this index each
        -- question scanned and sorted every contact ever met (time and native memory in proportion to the peers seen).
        CREATE INDEX contacts_by_address ON contacts(last_address, state, last_seen);
        """,
        """
        -- The search index may lag the messages by a few dozen rows (FullTextIndex): rows up to indexed_upto are in it.
        -- Everything stored so far was indexed in its own batch. A deleted row leaves the index only if it was in it.
        CREATE TABLE fts_state(indexed_upto INTEGER NOT NULL);
        INSERT INTO fts_state(indexed_upto) SELECT COALESCE(MAX(seq), 0) FROM messages;
        DROP TRIGGER messages_fts_delete;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.seq <= (SELECT indexed_upto FROM fts_state) BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
        END;
        """,
        """
        -- Addresses that greeted as CryptoSphere nodes after they were taken for old peers (a late greeting), or whose
        -- legacy message followed this node's greeting: dialled over TLS at once, never sent plaintext by choice.
        CREATE TABLE IF NOT EXISTS cryptosphere_addresses(
            address TEXT PRIMARY KEY,
            noticed_at INTEGER NOT NULL);
        """,
        """
        -- A legacy message cut into parts (the original reads 1,024 bytes a connection) whose later part failed: how many
        -- the old peer has read, so the next try sends only the rest, not the whole message again.
        CREATE TABLE IF NOT EXISTS legacy_parts(
            message_seq INTEGER PRIMARY KEY REFERENCES messages(seq),
            parts_sent INTEGER NOT NULL);
        """,
        """
        -- When each removed member was removed, as the admin's Lamport time (GROUP_STATE's removal times): a message of that
        -- member ordered before it is still taken, one after it is not. A removal stored before this has no row, so its
        -- member's messages are all refused, as they were. A table of its own, not a column, so the migration can run twice.
        CREATE TABLE IF NOT EXISTS group_removals(
            group_id TEXT NOT NULL REFERENCES groups(id),
            peer_id TEXT NOT NULL,
            lamport INTEGER NOT NULL,
            PRIMARY KEY (group_id, peer_id));
        """,
    ];

    public static int Version => Migrations.Length;
}
