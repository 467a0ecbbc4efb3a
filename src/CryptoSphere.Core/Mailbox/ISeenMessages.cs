using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The dedupe hook: remembers (author, message ID) pairs so a message that comes both directly and from a
/// mailbox, or that a mailbox replays, is shown once. The node's message store is the durable one.
/// </summary>
internal interface ISeenMessages
{
    /// <summary>Records the pair; false if it was already there.</summary>
    bool TryAdd(PeerId author, Guid messageId);
}
