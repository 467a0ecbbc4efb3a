using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>An in-memory <see cref="ISeenMessages"/> for one process (one-off commands and tests).</summary>
internal sealed class SeenMessages : ISeenMessages
{
    private readonly HashSet<(PeerId, Guid)> _seen = [];
    private readonly Lock _gate = new();

    public bool TryAdd(PeerId author, Guid messageId)
    {
        lock (_gate)
            return _seen.Add((author, messageId));
    }
}
