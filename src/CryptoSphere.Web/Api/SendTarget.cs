using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Web.Api;

/// <summary>
/// Where a message from the page goes: a conversation ID the page already has (<c>peer:</c>, <c>legacy:</c>,
/// <c>group:</c>), or what the user typed: HOST:PORT, a whole peer ID, or a unique prefix of a known one.
/// </summary>
internal sealed record SendTarget(PeerKey? Address, PeerId? Id, Group? Group)
{
    private const string PeerPrefix = "peer:";
    private const string LegacyPrefix = "legacy:";

    public static bool TryResolve(string? text, ChatNode node, out SendTarget target, out string error)
    {
        target = new SendTarget(null, null, null);
        error = "";
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "say who to send to: HOST:PORT or a peer ID";
            return false;
        }
        if (text.StartsWith(StoredMessage.GroupPrefix, StringComparison.Ordinal))
        {
            if (Guid.TryParse(text[StoredMessage.GroupPrefix.Length..], out var groupId) && node.Store.FindGroup(groupId) is { } group)
            {
                target = target with { Group = group };
                return true;
            }
            error = $"unknown group {text}";
            return false;
        }
        if (text.StartsWith(LegacyPrefix, StringComparison.Ordinal))
            text = text[LegacyPrefix.Length..];
        else if (text.StartsWith(PeerPrefix, StringComparison.Ordinal))
            text = text[PeerPrefix.Length..];

        // IDs never contain ':', addresses always do.
        if (text.Contains(':'))
        {
            if (PeerKey.TryParse(text, out var address, out error))
            {
                target = target with { Address = address };
                return true;
            }
            return false;
        }
        if (TryResolveId(text, node, out var id, out error))
        {
            target = target with { Id = id };
            return true;
        }
        return false;
    }

    /// <summary>A whole ID, or a prefix that matches exactly one known contact.</summary>
    public static bool TryResolveId(string text, ChatNode node, out PeerId id, out string error)
    {
        error = "";
        if (PeerId.TryParse(text, out id))
            return true;
        var matches = node.Trust.MatchPrefix(text);
        switch (matches.Count)
        {
            case 1:
                id = matches[0].Id;
                return true;
            case 0:
                error = $"'{text}' is neither HOST:PORT nor a known peer ID (give the whole ID for a peer never seen)";
                return false;
            default:
                error = $"'{text}' matches {matches.Count} peers ({string.Join(", ", matches.Select(m => m.Id.Short))}); type more of the ID";
                return false;
        }
    }
}
