using System.Diagnostics.CodeAnalysis;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Conversations;

public enum ConversationKind
{
    /// <summary>With one CryptoSphere node, by its peer ID.</summary>
    Peer,

    /// <summary>With an old (legacy) peer, by its address.</summary>
    Legacy,

    /// <summary>In a group, by the group's ID.</summary>
    Group,
}

/// <summary>
/// Which conversation a message belongs to. Written as <c>peer:ID</c>, <c>legacy:HOST:PORT</c> or
/// <c>group:GUID</c>: that text is what the database, the outbox's targets, the JSON and the web API carry.
/// </summary>
public readonly record struct ConversationId
{
    private const string PeerPrefix = "peer:";
    private const string LegacyPrefix = "legacy:";
    private const string GroupPrefix = "group:";

    private ConversationId(ConversationKind kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    public ConversationKind Kind { get; }

    /// <summary>The peer ID (ungrouped), the address, or the group's ID, without the prefix.</summary>
    public string Value { get; }

    public static ConversationId Peer(PeerId id) => new(ConversationKind.Peer, id.Value);

    public static ConversationId Legacy(PeerKey address) => new(ConversationKind.Legacy, address.ToString());

    public static ConversationId Group(Guid id) => new(ConversationKind.Group, id.ToString());

    /// <summary>With a secure peer by its ID, else with the old peer at <paramref name="address"/>.</summary>
    public static ConversationId Of(PeerId? id, PeerKey address) => id is { } peer ? Peer(peer) : Legacy(address);

    /// <summary>The peer's ID, for a <see cref="ConversationKind.Peer"/> conversation.</summary>
    public PeerId? PeerId => Kind == ConversationKind.Peer && Identity.PeerId.TryParse(Value, out var id) ? id : null;

    /// <summary>The group's ID, for a <see cref="ConversationKind.Group"/> conversation.</summary>
    public Guid? GroupId => Kind == ConversationKind.Group && Guid.TryParse(Value, out var id) ? id : null;

    /// <summary>The address, for a <see cref="ConversationKind.Legacy"/> conversation.</summary>
    public PeerKey? Address => Kind == ConversationKind.Legacy && PeerKey.TryParse(Value, out var key, out _) ? key : null;

    public static bool TryParse([NotNullWhen(true)] string? text, out ConversationId id)
    {
        id = default;
        if (text is null)
            return false;
        if (text.StartsWith(PeerPrefix, StringComparison.Ordinal) && Identity.PeerId.TryParse(text[PeerPrefix.Length..], out var peer))
            id = Peer(peer);
        else if (text.StartsWith(GroupPrefix, StringComparison.Ordinal) && Guid.TryParse(text[GroupPrefix.Length..], out var group))
            id = Group(group);
        else if (text.StartsWith(LegacyPrefix, StringComparison.Ordinal) && text.Length > LegacyPrefix.Length)
            id = new(ConversationKind.Legacy, text[LegacyPrefix.Length..]); // kept as written: it is a key in the database
        else
            return false;
        return true;
    }

    public static ConversationId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a conversation (peer:ID, legacy:HOST:PORT or group:ID)");

    /// <summary>What follows <c>peer:</c> or <c>legacy:</c> when <paramref name="text"/> starts with one, else the text itself.</summary>
    public static string WithoutPeerPrefix(string text) =>
        text.StartsWith(LegacyPrefix, StringComparison.Ordinal) ? text[LegacyPrefix.Length..]
        : text.StartsWith(PeerPrefix, StringComparison.Ordinal) ? text[PeerPrefix.Length..]
        : text;

    /// <summary>True for text written by <see cref="ToString"/> for a group, without parsing the rest.</summary>
    public static bool IsGroup(string text) => text.StartsWith(GroupPrefix, StringComparison.Ordinal);

    // Every message sent, received or acknowledged names its peer's conversation; a node talks with few peers at a
    // time, so the text is made once per peer. Bounded: a flood of new IDs only empties it.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<PeerId, string> PeerTexts = new();

    /// <summary><c>Peer(id).ToString()</c>, without a new string each time.</summary>
    public static string TextOf(PeerId id)
    {
        if (PeerTexts.TryGetValue(id, out var text))
            return text;
        if (PeerTexts.Count >= 4096)
            PeerTexts.Clear();
        return PeerTexts[id] = Peer(id).ToString();
    }

    public override string ToString() => Kind switch
    {
        ConversationKind.Peer => PeerPrefix + Value,
        ConversationKind.Legacy => LegacyPrefix + Value,
        _ => GroupPrefix + Value,
    };
}
