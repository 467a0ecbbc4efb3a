namespace CryptoSphere.Core.Mailbox;

/// <summary>What a mailbox did with an envelope it was given (sent back in ENVELOPE_PUT_RESULT).</summary>
public enum PutOutcome : byte
{
    Held = 0,
    AlreadyHeld = 1,
    /// <summary>This node does not hold mail for that recipient (not asked, not approved, or not trusted).</summary>
    NotServed = 2,
    /// <summary>The recipient's count or byte quota is full.</summary>
    OverQuota = 3,
    /// <summary>Malformed, badly signed, or not signed by the peer that handed it over.</summary>
    Invalid = 4,
    /// <summary>The peer handing it over is not a trusted contact of this node.</summary>
    Stranger = 5,
}

/// <summary>Where a recipient stands with a mailbox (sent back in MAILBOX_STATUS).</summary>
public enum ServeState : byte
{
    /// <summary>Not a trusted contact of the mailbox's user: nothing was recorded.</summary>
    Refused = 0,
    /// <summary>Asked, but the mailbox's user has not run <c>mailbox serve</c> for it yet.</summary>
    Pending = 1,
    Serving = 2,
    /// <summary>The recipient asked to stop; anything held for it was dropped.</summary>
    Stopped = 3,
}

/// <summary>What a mailbox did with a delivery receipt from a recipient.</summary>
public enum ReceiptOutcome
{
    /// <summary>The envelope was deleted and the receipt kept for its sender.</summary>
    Accepted,
    /// <summary>No such envelope held for this recipient from that sender (already deleted, or never held).</summary>
    Unknown,
    /// <summary>Malformed, badly signed, or not signed by the peer that handed it over.</summary>
    Invalid,
}

/// <summary>What <c>mailbox use</c> did (<see cref="MailboxStore.TryUse"/>), so the user is told which reason applies.</summary>
public enum UseOutcome
{
    Added,
    /// <summary>It was one of this node's mailboxes already: nothing changed.</summary>
    AlreadyUsed,
    /// <summary>Not a trusted contact: only one can be a mailbox.</summary>
    NotTrusted,
    /// <summary><see cref="MailboxStore.MaxUsed"/> mailboxes are in use already.</summary>
    Full,
}
