using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Node;

public sealed record SendResult(PeerKey To, bool Success, string? Error)
{
    public PeerProtocol Protocol { get; init; } = PeerProtocol.Legacy;

    /// <summary>Sent (handed to the peer), Queued (waits in the outbox) or Failed.</summary>
    public MessageState State { get; init; } = Success ? MessageState.Sent : MessageState.Failed;

    /// <summary>For secure messages: the message ID, and a task that completes when the peer acknowledges it.</summary>
    public Guid? MessageId { get; init; }

    public Task? Delivered { get; init; }

    /// <summary>For legacy messages: how many messages the text was cut into to fit the original's 1,024-byte read.</summary>
    public int Parts { get; init; } = 1;

    /// <summary>
    /// Set when the result is not what its protocol suggests: a legacy message written in plaintext to an address
    /// that proved to be a CryptoSphere node (its greeting came late). Says what that means; shown with the result.
    /// </summary>
    public string? Caveat { get; init; }

    public static SendResult Ok(PeerKey to) => new(to, true, null);
    public static SendResult Failed(PeerKey to, string error) => new(to, false, error);
}
