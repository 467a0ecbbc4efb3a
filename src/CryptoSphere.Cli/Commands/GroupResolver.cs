using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// Finds a group by its name first, then by its ID or a unique prefix of it: "2024" is the group called 2024,
/// not one whose ID happens to start with those digits. More than one match is an error that lists them.
/// </summary>
internal static class GroupResolver
{
    public static Group? Resolve(string text, ChatStore store, out string error)
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
            ? $"no group is called or has an ID starting with '{TerminalText.Safe(wanted)}'"
            : $"'{TerminalText.Safe(wanted)}' {(byName.Count > 0 ? "names" : "starts the IDs of")} {matches.Count} groups: " +
              string.Join("; ", matches.Select(g => $"{TerminalText.Safe(g.Name)} {g.Id}")) + ". Use the ID";
        return null;
    }
}
