using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>The recipient's side: which peers this node asks to hold its mail (<c>mailbox use</c>).</summary>
public sealed partial class MailboxStore
{
    /// <summary>Most mailboxes one node names; senders try each, so more would only multiply copies.</summary>
    public const int MaxUsed = 8;

    /// <summary>
    /// The list of mailboxes changed through this store (<see cref="TryUse"/> added one, <see cref="StopUsing"/> removed
    /// one), raised after the change. The node tells its connected trusted contacts the new list at once
    /// (docs/protocol.md §19.6 step 2); a change made by another process is found by the node's next pass instead.
    /// </summary>
    public event Action? UsedChanged;

    /// <summary>
    /// The user's <c>mailbox use ID</c>. Only a trusted contact can be a mailbox; false and nothing recorded
    /// otherwise, or when <see cref="MaxUsed"/> are already in use. True also when it was one already.
    /// </summary>
    public bool Use(PeerId mailbox) => TryUse(mailbox) is UseOutcome.Added or UseOutcome.AlreadyUsed;

    /// <summary>As <see cref="Use"/>, saying which: added, one already, or why it was refused (for the user's message).</summary>
    public UseOutcome TryUse(PeerId mailbox)
    {
        if (!_isTrusted(mailbox))
            return UseOutcome.NotTrusted;
        var outcome = Locked(db =>
        {
            if (Convert.ToInt64(Storage.ChatStore.Scalar(db, "SELECT COUNT(*) FROM used WHERE mailbox = $m", ("$m", mailbox.Value))) > 0)
                return UseOutcome.AlreadyUsed;
            if (Convert.ToInt64(Storage.ChatStore.Scalar(db, "SELECT COUNT(*) FROM used")) >= MaxUsed)
                return UseOutcome.Full;
            Execute(db, "INSERT OR IGNORE INTO used(mailbox, added_at) VALUES ($m, $now)", ("$m", mailbox.Value), ("$now", Now));
            return UseOutcome.Added;
        });
        if (outcome == UseOutcome.Added)
            UsedChanged?.Invoke();
        return outcome;
    }

    public bool StopUsing(PeerId mailbox)
    {
        var removed = Locked(db => Execute(db, "DELETE FROM used WHERE mailbox = $m", ("$m", mailbox.Value)) > 0);
        if (removed)
            UsedChanged?.Invoke();
        return removed;
    }

    /// <summary>Records a mailbox's MAILBOX_STATUS answer, for <c>mailbox status</c>.</summary>
    public void RecordAnswer(PeerId mailbox, ServeState state) => Locked(db =>
        Execute(db, "UPDATE used SET last_state = $s, last_answer_at = $now WHERE mailbox = $m", ("$m", mailbox.Value), ("$s", (int)state), ("$now", Now)));

    public IReadOnlyList<UsedMailbox> Used() => Locked(db =>
    {
        using var command = Command(db, "SELECT mailbox, added_at, last_state, last_answer_at FROM used ORDER BY added_at, mailbox");
        using var reader = command.ExecuteReader();
        var rows = new List<UsedMailbox>();
        while (reader.Read())
            rows.Add(new UsedMailbox(ReadPeer(reader, 0), ReadTime(reader, 1)!.Value,
                reader.IsDBNull(2) ? null : (ServeState)reader.GetInt32(2), ReadTime(reader, 3)));
        return rows;
    });
}
