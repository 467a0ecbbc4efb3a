using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Core.Conversations;

/// <summary>Who a message goes to, as resolved from what a user typed: an address, a peer ID, or a group.</summary>
public sealed record Recipient(PeerKey? Address, PeerId? Id, Group? Group);

/// <summary>
/// Turning what a user typed into a peer, a group or a conversation: the one place the command line and the web
/// interface do it, so the same words mean the same peer everywhere.
/// </summary>
public static class Recipients
{
    /// <summary>A whole peer ID, or a unique prefix of a known one.</summary>
    public static bool TryResolvePeerId(string text, TrustStore trust, out PeerId id, out string error) =>
        TryMatch(text, trust, out id, out error,
            $"no known peer ID starts with '{text}' (give the whole 52-character ID for a peer never seen)");

    private static bool TryMatch(string text, TrustStore trust, out PeerId id, out string error, string noMatch)
    {
        error = "";
        if (PeerId.TryParse(text, out id))
            return true;
        var matches = trust.MatchPrefix(text);
        switch (matches.Count)
        {
            case 1:
                id = matches[0].Id;
                return true;
            case 0:
                error = PeerId.IsMistypedAtTheEnd(text)
                    ? $"'{text}' is not a peer ID: its last character must be {string.Join(" or ", PeerId.Ends.ToCharArray())} (check it against its owner's)"
                    : noMatch;
                return false;
            default:
                error = Ambiguous(text, matches.Select(m => m.Id).ToList());
                return false;
        }
    }

    private static string Ambiguous(string text, List<PeerId> ids) =>
        $"'{text}' matches {ids.Count} peers ({string.Join(", ", Distinct(ids))}); type more of the ID";

    /// <summary>
    /// A member argument of a group command: a whole peer ID, or a unique prefix of a known peer's ID or of one in the
    /// group's own member list. `group show` lists a member never met under its short ID; that must name it here too.
    /// </summary>
    public static bool TryResolveMember(string text, Group group, TrustStore trust, out PeerId id, out string error)
    {
        error = "";
        if (PeerId.TryParse(text, out id))
            return true;
        var wanted = PeerId.Normalize(text);
        var inGroup = wanted.Length == 0 ? []
            : group.Members.Select(m => m.Id).Where(m => m.Value.StartsWith(wanted, StringComparison.Ordinal)).ToList();
        // No member has it: known peers alone decide, with their errors (none, or several).
        if (inGroup.Count == 0)
            return TryResolvePeerId(text, trust, out id, out error);
        var matches = inGroup.Concat(trust.MatchPrefix(text).Select(c => c.Id)).Distinct().ToList();
        if (matches.Count == 1)
        {
            id = matches[0];
            return true;
        }
        error = Ambiguous(text, matches);
        return false;
    }

    /// <summary>
    /// The IDs cut to as many whole groups of seven as tell them apart: the first group alone listed two IDs that
    /// share it as "(37IQPJY, 37IQPJY)", which showed neither what to type nor that they differ.
    /// </summary>
    private static IEnumerable<string> Distinct(List<PeerId> ids)
    {
        var sorted = ids.Select(i => i.Value).Order(StringComparer.Ordinal).ToList();
        var shared = 0;
        for (var i = 1; i < sorted.Count; i++)
            shared = Math.Max(shared, sorted[i].AsSpan().CommonPrefixLength(sorted[i - 1]));
        const int group = 7;
        var length = Math.Min(sorted[0].Length, (shared / group + 1) * group);
        return ids.Select(i => string.Join('-', i.Value[..length].Chunk(group).Select(c => new string(c))));
    }

    /// <summary>
    /// Finds a group by its name first, then by its ID or a unique prefix of it: "2024" is the group called 2024,
    /// not one whose ID happens to start with those digits. More than one match is an error that lists them.
    /// </summary>
    public static Group? ResolveGroup(string text, ChatStore store, out string error)
    {
        error = "";
        var wanted = text.Trim();
        if (wanted.Length == 0)
        {
            error = "no group given; give its name or ID";
            return null;
        }
        var groups = store.Groups();
        var byName = groups.Where(g => string.Equals(g.Name.Trim(), wanted, StringComparison.OrdinalIgnoreCase)).ToList();
        var matches = byName.Count > 0
            ? byName
            : groups.Where(g => g.Id.ToString().StartsWith(wanted, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 1)
            return matches[0];
        error = matches.Count == 0
            ? $"no group is called or has an ID starting with '{wanted}'"
            : $"'{wanted}' {(byName.Count > 0 ? "names" : "starts the IDs of")} {matches.Count} groups: " +
              string.Join("; ", matches.Select(g => $"{g.Name} {g.Id}")) + ". Use the ID";
        return null;
    }

    /// <summary>
    /// Where a message goes: a conversation ID (<c>peer:</c>, <c>legacy:</c>, <c>group:</c>), HOST:PORT, a whole
    /// peer ID, or a unique prefix of a known one.
    /// </summary>
    public static bool TryResolve(string? text, TrustStore trust, out Recipient recipient, out string error)
    {
        recipient = new Recipient(null, null, null);
        error = "";
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "say who to send to: HOST:PORT or a peer ID";
            return false;
        }
        if (ConversationId.IsGroup(text))
        {
            if (ConversationId.TryParse(text, out var conversation) && trust.Store.FindGroup(conversation.GroupId!.Value) is { } group)
            {
                recipient = recipient with { Group = group };
                return true;
            }
            error = $"unknown group {text}";
            return false;
        }
        // A conversation ID the caller already has names its peer: the prefix goes.
        text = ConversationId.WithoutPeerPrefix(text);

        // IDs never contain ':', addresses always do.
        if (text.Contains(':'))
        {
            if (!PeerKey.TryParse(text, out var address, out error))
                return false;
            recipient = recipient with { Address = address };
            return true;
        }
        if (!TryMatch(text, trust, out var id, out error,
                $"'{text}' is neither HOST:PORT nor a known peer ID (give the whole ID for a peer never seen)"))
            return false;
        recipient = recipient with { Id = id };
        return true;
    }

    /// <summary>A PEER argument (a group's name or ID, a peer ID or prefix, or HOST:PORT) as the conversation it names.</summary>
    public static bool TryResolveConversation(string text, TrustStore trust, out ConversationId conversation, out string error)
    {
        // A conversation's own name (peer:ID, legacy:HOST:PORT, group:ID, as the JSON prints it) is taken as written:
        // legacy:HOST:PORT is how an old peer's conversation is opened at an address a CryptoSphere node now has, where
        // HOST:PORT names the node's.
        if (ConversationId.TryParse(text, out conversation))
        {
            error = conversation.Kind switch
            {
                // An old peer's header may name any port (80 too) and its conversation is stored under it: it opens as written.
                ConversationKind.Legacy when conversation.Address is null && !IsStored(trust, conversation) =>
                    $"no conversation is stored under {text}, and {AddressProblem(conversation.Value)}",
                ConversationKind.Group when trust.Store.FindGroup(conversation.GroupId!.Value) is null => "no group has that ID",
                _ => "",
            };
            if (error.Length > 0)
                conversation = default;
            return error.Length == 0;
        }
        if (TryResolvePeerId(text, trust, out var id, out error))
        {
            conversation = ConversationId.Peer(id);
            return true;
        }
        if (ResolveGroup(text, trust.Store, out _) is { } group)
        {
            conversation = ConversationId.Group(group.Id);
            error = "";
            return true;
        }
        if (PeerKey.TryParse(text, out var address, out var addressError))
        {
            conversation = ConversationId.Of(trust.FindByAddress(address.ToString())?.Id, address);
            error = "";
            return true;
        }
        // HOST:PORT outside the ports a node may listen on: an old peer's stored conversation, or the address's true fault
        // (no peer ID has a ':', so "no known peer ID starts with '127.0.0.1:80'" misled).
        if (text.Contains(':'))
        {
            if (ConversationId.TryParse("legacy:" + text.Trim(), out var stored) && IsStored(trust, stored))
            {
                conversation = stored;
                error = "";
                return true;
            }
            error = $"no conversation is stored under {text.Trim()}, and {addressError}";
        }
        return false;
    }

    private static bool IsStored(TrustStore trust, ConversationId conversation) => trust.Store.HasConversation(conversation.ToString());

    private static string AddressProblem(string address) =>
        PeerKey.TryParse(address, out _, out var problem) ? "" : problem;
}
