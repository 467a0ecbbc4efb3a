using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Storage;

/// <summary>A message as kept in the database, sent or received.</summary>
public sealed record StoredMessage(
    Guid Id,
    string Conversation,
    bool Outgoing,
    string? PeerId,
    string Address,
    string Name,
    string Text,
    PeerProtocol Protocol,
    DateTimeOffset SentAt,
    DateTimeOffset StoredAt,
    MessageState State)
{
    /// <summary>The database's insertion order; 0 before it is stored.</summary>
    public long Sequence { get; init; }

    public int Attempts { get; init; }

    public string? Error { get; init; }

    /// <summary>
    /// Why it failed, or why its last try did (still queued); null once it was sent or delivered, when an error
    /// from an earlier try no longer says anything about it.
    /// </summary>
    public string? Problem => State is MessageState.Failed or MessageState.Queued ? Error : null;

    /// <summary>Group messages: the Lamport time that orders them the same way on every member.</summary>
    public long? Lamport { get; init; }

    /// <summary>Outgoing group messages: the members that refused it for good, and why ("name: reason; ..."); null if none.</summary>
    public string? Refusals { get; init; }

    public bool IsGroup => Conversation.StartsWith(GroupPrefix, StringComparison.Ordinal);

    public const string GroupPrefix = "group:";

    public static string ConversationOf(Identity.PeerId? id, PeerKey address) =>
        id is { } peer ? "peer:" + peer.Value : "legacy:" + address;
}
