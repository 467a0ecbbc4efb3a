using CryptoSphere.Core.Identity;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The holder's side of an envelope dropped without a receipt (stop-serving, the recipient's stop, expiry): a notice
/// per envelope until its sender is told (ENVELOPE_RESULT with NotServed, docs/protocol.md §19.6 step 3). Otherwise
/// the sender's outbox would say "held by mailbox" for ever, since the last thing it heard was "Held".
/// </summary>
public sealed partial class MailboxStore
{
    /// <summary>Envelopes were dropped without a receipt (raised after the change): the node tells their senders.</summary>
    public event Action? EnvelopesDropped;

    // Before deleting envelopes: a notice for each one matched by `where` (over the envelopes table), for its sender.
    private int NoteDropped(SqliteConnection db, SqliteTransaction? transaction, string where, params (string Name, object? Value)[] parameters) =>
        Storage.ChatStore.Execute(db, $"INSERT OR IGNORE INTO dropped(envelope_id, sender, dropped_at) SELECT id, sender, $dropped_at FROM envelopes WHERE {where}",
            transaction, [.. parameters, ("$dropped_at", Now)]);

    private void Dropped(int count)
    {
        if (count > 0)
            EnvelopesDropped?.Invoke();
    }

    /// <summary>The senders with dropped envelopes they have not been told about.</summary>
    public IReadOnlyList<PeerId> DroppedSenders() => Locked(db =>
    {
        using var command = Command(db, "SELECT DISTINCT sender FROM dropped ORDER BY sender");
        using var reader = command.ExecuteReader();
        var senders = new List<PeerId>();
        while (reader.Read())
            senders.Add(ReadPeer(reader, 0));
        return senders;
    });

    /// <summary>The dropped envelopes <paramref name="sender"/> has not been told about; each stays until <see cref="ForgetDropped"/>.</summary>
    public IReadOnlyList<Guid> DroppedFor(PeerId sender) => Locked(db =>
    {
        using var command = Command(db, "SELECT envelope_id FROM dropped WHERE sender = $s ORDER BY dropped_at, envelope_id", ("$s", sender.Value));
        using var reader = command.ExecuteReader();
        var ids = new List<Guid>();
        while (reader.Read())
            ids.Add(Guid.Parse(reader.GetString(0)));
        return ids;
    });

    /// <summary><paramref name="sender"/> was told that <paramref name="envelopeId"/> is no longer held.</summary>
    public bool ForgetDropped(PeerId sender, Guid envelopeId) => Locked(db =>
        Execute(db, "DELETE FROM dropped WHERE envelope_id = $id AND sender = $s", ("$id", envelopeId.ToString()), ("$s", sender.Value)) > 0);
}
