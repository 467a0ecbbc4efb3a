using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Commands;

/// <summary>Finds a group by its ID, a unique prefix of it, or its unique name.</summary>
internal static class GroupResolver
{
    public static Group? Resolve(string text, ChatStore store, out string error)
    {
        error = "";
        var groups = store.Groups();
        var matches = groups.Where(g => g.Id.ToString().StartsWith(text.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
            matches = groups.Where(g => string.Equals(g.Name, text.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 1)
            return matches[0];
        error = matches.Count == 0
            ? $"no group is called or has an ID starting with '{text}'"
            : $"'{text}' matches {matches.Count} groups ({string.Join(", ", matches.Select(g => $"{g.Name} {g.Id}"))}); use the ID";
        return null;
    }
}
