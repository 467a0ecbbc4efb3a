using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>Receipts: the recipient's closes an envelope here and waits for the envelope's sender.</summary>
public sealed partial class MailboxStore
{
    /// <summary>How long a receipt waits for a sender that never comes back.</summary>
    public static readonly TimeSpan ReceiptLifetime = TimeSpan.FromDays(30);

    /// <summary>
    /// A receipt from <paramref name="from"/> (authenticated by its connection). Accepted only if it is signed by
    /// <paramref name="from"/> for an envelope held for it from that sender: so a receipt can be stored only in
    /// place of an envelope, and nobody but the recipient can make the mailbox drop one.
    /// </summary>
    public ReceiptOutcome AcceptReceipt(PeerId from, ReadOnlySpan<byte> encoded)
    {
        DeliveryReceipt receipt;
        try
        {
            receipt = DeliveryReceipt.Decode(encoded);
            if (receipt.Recipient != from)
                return ReceiptOutcome.Invalid;
            receipt.VerifySignature();
        }
        catch (EnvelopeException)
        {
            return ReceiptOutcome.Invalid;
        }
        return Locked(db =>
        {
            using var transaction = db.BeginTransaction();
            var deleted = Storage.ChatStore.Execute(db, "DELETE FROM envelopes WHERE id = $id AND recipient = $r AND sender = $s", transaction,
                ("$id", receipt.EnvelopeId.ToString()), ("$r", from.Value), ("$s", receipt.Sender.Value));
            if (deleted == 0)
                return ReceiptOutcome.Unknown;
            Storage.ChatStore.Execute(db, "INSERT OR IGNORE INTO receipts(envelope_id, sender, stored_at, data) VALUES ($id, $s, $now, $data)",
                transaction, ("$id", receipt.EnvelopeId.ToString()), ("$s", receipt.Sender.Value), ("$now", Now), ("$data", receipt.Encoded.ToArray()));
            transaction.Commit();
            return ReceiptOutcome.Accepted;
        });
    }

    /// <summary>Receipts waiting for <paramref name="sender"/>; each stays until <see cref="ForgetReceipt"/>.</summary>
    public IReadOnlyList<DeliveryReceipt> ReceiptsFor(PeerId sender) => Locked(db =>
    {
        using var command = Command(db, "SELECT data FROM receipts WHERE sender = $s ORDER BY stored_at, envelope_id", ("$s", sender.Value));
        using var reader = command.ExecuteReader();
        var receipts = new List<DeliveryReceipt>();
        while (reader.Read())
            receipts.Add(DeliveryReceipt.Decode((byte[])reader[0]));
        return receipts;
    });

    /// <summary>The sender confirmed it has the receipt for <paramref name="envelopeId"/>.</summary>
    public bool ForgetReceipt(PeerId sender, Guid envelopeId) => Locked(db =>
        Execute(db, "DELETE FROM receipts WHERE envelope_id = $id AND sender = $s", ("$id", envelopeId.ToString()), ("$s", sender.Value)) > 0);
}
