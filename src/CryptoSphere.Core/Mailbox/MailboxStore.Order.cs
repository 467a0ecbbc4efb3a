using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>The recipient's side: how far into each sender's conversation the direct messages taken from mailboxes reach.</summary>
public sealed partial class MailboxStore
{
    /// <summary>The furthest place of a direct message from <paramref name="author"/> taken from a mailbox so far (0: none).</summary>
    public long TakenPosition(PeerId author) => Locked(db =>
        Convert.ToInt64(Storage.ChatStore.Scalar(db, "SELECT COALESCE(MAX(position), 0) FROM taken_order WHERE author = $a", ("$a", author.Value))));

    /// <summary>A direct message at <paramref name="position"/> from <paramref name="author"/> was taken; the furthest place only grows.</summary>
    public void RecordTakenPosition(PeerId author, long position) => Locked(db => Execute(db, """
        INSERT INTO taken_order(author, position) VALUES ($a, $p)
        ON CONFLICT(author) DO UPDATE SET position = MAX(position, excluded.position)
        """, ("$a", author.Value), ("$p", position)));
}
