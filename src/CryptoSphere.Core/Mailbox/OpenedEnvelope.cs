namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// An envelope that verified and decrypted. <see cref="Duplicate"/>: the same author's message ID was seen
/// before (sent directly too, or replayed), so it must not be shown again; acknowledge it all the same.
/// </summary>
public sealed record OpenedEnvelope(SealedEnvelope Envelope, EnvelopePayload Payload, bool Duplicate)
{
    public Identity.PeerId Author => Envelope.Sender;

    /// <summary>
    /// A direct message placed, in its sender's conversation, before one already taken from a mailbox: a mailbox held
    /// it back (or only this mailbox had it), so it cannot be shown in its place; show it with a note.
    /// </summary>
    public bool Late { get; init; }
}
