using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Node;

/// <summary>Messages from a peer that is not trusted yet (<c>--accept trusted</c>): a contact request.</summary>
public sealed class HeldMessages(PeerId id, PeerKey from, string name)
{
    private readonly List<ChatMessage> _messages = new();

    public PeerId Id { get; } = id;
    public PeerKey From { get; set; } = from;
    public string Name { get; set; } = name;

    public IReadOnlyList<ChatMessage> Messages
    {
        get { lock (_messages) return _messages.ToList(); }
    }

    internal int Add(ChatMessage message)
    {
        lock (_messages)
        {
            _messages.Add(message);
            return _messages.Count;
        }
    }
}
