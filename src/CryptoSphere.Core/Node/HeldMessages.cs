using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Node;

/// <summary>
/// Messages from a peer that is not trusted yet (<c>--accept trusted</c>): a contact request. A snapshot read
/// from the database, where the messages wait (never in memory), with how many there are and their size.
/// </summary>
public sealed class HeldMessages(PeerId id, PeerKey from, string name, IReadOnlyList<ChatMessage> messages)
{
    public PeerId Id { get; } = id;

    public PeerKey From { get; } = from;

    public string Name { get; } = name;

    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    public int Count => Messages.Count;

    /// <summary>Bytes of text held (UTF-8), counted against the peer's contact-request allowance.</summary>
    public long Bytes => Messages.Sum(m => (long)WireText.Utf8.GetByteCount(m.Text));
}
