using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Files;

/// <summary>
/// File transfers in the database's <c>transfers</c> table, on the node's one SQLite connection. Only
/// accepted (or offered, when outgoing) transfers are stored: an incoming offer nobody answered leaves no trace.
/// </summary>
public sealed class TransferStore(ChatStore store)
{
    private const string Columns =
        "id, direction, peer_id, peer_name, path, name, size, sha256, verified_offset, state, source_write_time, error, created_at, updated_at";

    public ChatStore Store { get; } = store;

    public void Save(TransferInfo t) => Store.Locked(db => ChatStore.Execute(db, $"""
        INSERT INTO transfers({Columns})
        VALUES ($id, $direction, $peer, $peerName, $path, $name, $size, $sha, $verified, $state, $sourceTime, $error, $created, $updated)
        ON CONFLICT(id) DO UPDATE SET peer_name = excluded.peer_name, path = excluded.path, verified_offset = excluded.verified_offset,
            state = excluded.state, source_write_time = excluded.source_write_time, error = excluded.error, updated_at = excluded.updated_at
        """, null,
        ("$id", t.Id.ToString()), ("$direction", (int)t.Direction), ("$peer", t.PeerId.Value), ("$peerName", t.PeerName),
        ("$path", t.Path), ("$name", t.Name), ("$size", t.Size), ("$sha", t.Sha256), ("$verified", t.Bytes), ("$state", (int)t.State),
        ("$sourceTime", t.SourceWriteTime), ("$error", t.Error), ("$created", t.Created.ToUnixTimeMilliseconds()),
        ("$updated", t.Updated.ToUnixTimeMilliseconds())));

    /// <summary>Records how far the receiver has verified; cheap enough to call about once a second.</summary>
    public void SaveProgress(Guid id, long verified, DateTimeOffset now) => Store.Locked(db => ChatStore.Execute(db,
        "UPDATE transfers SET verified_offset = $verified, updated_at = $now WHERE id = $id", null,
        ("$verified", verified), ("$now", now.ToUnixTimeMilliseconds()), ("$id", id.ToString())));

    public TransferInfo? Find(Guid id) => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db, $"SELECT {Columns} FROM transfers WHERE id = $id", null, ("$id", id.ToString()));
        return ReadAll(command).FirstOrDefault();
    });

    /// <summary>Transfers that resume when their peer is back: offered or accepted, not finished.</summary>
    public IReadOnlyList<TransferInfo> Unfinished() => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db, $"SELECT {Columns} FROM transfers WHERE state < $finished ORDER BY created_at", null,
            ("$finished", (int)TransferState.Completed));
        return (IReadOnlyList<TransferInfo>)ReadAll(command);
    });

    /// <summary>The latest transfers, newest first.</summary>
    public IReadOnlyList<TransferInfo> Recent(int limit) => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db, $"SELECT {Columns} FROM transfers ORDER BY created_at DESC LIMIT $limit", null,
            ("$limit", limit));
        return (IReadOnlyList<TransferInfo>)ReadAll(command);
    });

    /// <summary>An unfinished outgoing transfer of this very file to this peer: sending it again resumes it.</summary>
    public TransferInfo? FindResumable(PeerId peer, string path, long size, long sourceWriteTime) => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db, $"""
            SELECT {Columns} FROM transfers
            WHERE direction = 0 AND peer_id = $peer AND path = $path AND size = $size AND source_write_time = $time AND state < $finished
            ORDER BY created_at DESC LIMIT 1
            """, null, ("$peer", peer.Value), ("$path", path), ("$size", size), ("$time", sourceWriteTime),
            ("$finished", (int)TransferState.Completed));
        return ReadAll(command).FirstOrDefault();
    });

    private static List<TransferInfo> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<TransferInfo>();
        while (reader.Read())
        {
            if (!Guid.TryParse(reader.GetString(0), out var id) || !PeerId.TryParse(reader.GetString(2), out var peer))
                continue;
            rows.Add(new TransferInfo(id, (TransferDirection)reader.GetInt32(1), peer, reader.GetString(3), reader.GetString(5),
                reader.GetString(4), reader.GetInt64(6), reader.GetString(7), reader.GetInt64(8), (TransferState)reader.GetInt32(9),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)))
            {
                SourceWriteTime = reader.IsDBNull(10) ? null : reader.GetInt64(10),
                Error = reader.IsDBNull(11) ? null : reader.GetString(11),
            });
        }
        return rows;
    }
}
