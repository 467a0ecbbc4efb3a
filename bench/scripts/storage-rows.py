#!/usr/bin/env python3
"""Component figure: what the sender's storage costs per secure message, and what fewer rows would save.

The database is the product's own: a fresh data directory made by `cryptosphere id` and `contacts`, so the schema, indexes and
search index are those a user has. The statements are those the sender runs per message of a burst (ChatStore.Outbox.cs,
StoreWriter, FullTextIndex), in batches of 4,096 as the store's writer commits them, with the pragmas the store sets
(WAL, synchronous NORMAL, 64 MiB cache). Three designs, each run 6 times, alternated, minimum per message reported:

  current   the message row and an outbox row; read back for the frame; marked sent; on the ACK the outbox row is
            deleted and the message settled delivered (4 writes to 2 tables, 7 index entries touched)
  pending   no outbox row for 1:1 messages: a partial index on the messages waiting (state < 2) instead; read back,
            marked sent, marked delivered (the "fewer rows per message" design)
  floor     the message row alone, marked delivered on the ACK: nothing less keeps "delivered" true after a kill -9

Python's sqlite3 module drives SQLite (its own build, so read the differences between designs, not the absolute values;
Python's own cost per statement is in every design). Usage: storage-rows.py CRYPTOSPHERE [MESSAGES]"""
import sqlite3, subprocess, sys, tempfile, time, uuid, shutil, os

cli = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
batch = 4096
root = tempfile.mkdtemp(prefix="storage-rows-")
subprocess.run([cli, "id", "--data-dir", root + "/template"], check=True, capture_output=True)
subprocess.run([cli, "contacts", "--data-dir", root + "/template"], check=True, capture_output=True)
conv = "s:" + "A" * 52
text = "s" * 92 + "00000000"
insert = ("INSERT INTO messages(id, conversation, outgoing, peer_id, address, name, text, protocol, sent_at, stored_at, state, lamport) "
          "VALUES (?, ?, 1, ?, '127.0.0.1:41111', 'b', ?, 1, 1, 1, 0, NULL)")


def fresh(design):
    path = f"{root}/{design}.db"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    shutil.copy(root + "/template/chat.db", path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -65536")
    if design == "pending":
        db.execute("CREATE INDEX messages_pending ON messages(conversation, seq) WHERE state < 2 AND outgoing = 1")
    return db


def run(design):
    db = fresh(design)
    done = 0
    start = time.perf_counter()
    while done < total:
        ids = [str(uuid.uuid4()) for _ in range(min(batch, total - done))]
        db.execute("BEGIN")
        first = None
        for i in ids:
            seq = db.execute(insert, (i, conv, conv, text)).lastrowid
            first = first or seq
            if design == "current":
                db.execute("INSERT INTO outbox(message_seq, target, next_attempt) VALUES (?, ?, 0)", (seq, conv))
        db.execute("INSERT INTO messages_fts(rowid, text) SELECT seq, text FROM messages WHERE seq >= ?", (first,))
        db.execute("COMMIT")
        if design == "current":
            rows = db.execute("SELECT m.seq, m.id, m.lamport, m.sent_at, m.text, m.state FROM outbox o JOIN messages m ON m.seq = o.message_seq "
                              "WHERE o.target = ? AND o.message_seq >= ? ORDER BY o.message_seq", (conv, first)).fetchall()
        elif design == "pending":
            rows = db.execute("SELECT seq, id, lamport, sent_at, text, state FROM messages WHERE conversation = ? AND state < 2 AND outgoing = 1 "
                              "AND seq >= ? ORDER BY seq", (conv, first)).fetchall()
        else:
            rows = []
        if rows:
            db.execute("BEGIN")
            for r in rows:
                db.execute("UPDATE messages SET state = 1 WHERE seq = ? AND outgoing = 1 AND state NOT IN (2, 3)", (r[0],))
            db.execute("COMMIT")
        db.execute("BEGIN")
        for i in ids:
            if design == "current":
                db.execute("DELETE FROM outbox WHERE message_seq = (SELECT seq FROM messages WHERE id = ?) AND target = ?", (i, conv))
                db.execute("UPDATE messages SET state = 2 WHERE id = ? AND outgoing = 1 "
                           "AND NOT EXISTS (SELECT 1 FROM outbox WHERE message_seq = messages.seq)", (i,))
            else:
                db.execute("UPDATE messages SET state = 2 WHERE id = ? AND outgoing = 1 AND state < 2", (i,))
        db.execute("COMMIT")
        done += len(ids)
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed / total * 1e6


designs = ["current", "pending", "floor"]
results = {d: [] for d in designs}
for _ in range(6):
    for d in designs:
        results[d].append(run(d))
shutil.rmtree(root)
base = min(results["current"])
print(f"{total} messages per run, batches of {batch}, SQLite {sqlite3.sqlite_version} (Python's), 6 runs each, alternated")
for d in designs:
    best = min(results[d])
    print(f"{d:8} min {best:5.1f} us/message  median {sorted(results[d])[3]:5.1f}  saves {base - best:4.1f} us against current")
