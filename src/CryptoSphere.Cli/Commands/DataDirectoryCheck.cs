using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// Why a data directory given to a command that only reads cannot be opened, in the user's words. Found from
/// outside (hunt-A item 9): an existing folder that is empty or unreadable was called "no data directory", and a
/// chat.db that is a folder gave .NET's "The file ... already exists".
/// </summary>
internal static class DataDirectoryCheck
{
    /// <summary>A folder where the identity or the database should be (any command, reading or not), or null.</summary>
    public static string? FolderInPlaceOfFile(string directory)
    {
        foreach (var name in new[] { NodeIdentity.FileName, ChatStore.FileName })
        {
            if (Directory.Exists(Path.Combine(directory, name)))
                return $"{Path.Combine(directory, name)} is a folder, not {(name == ChatStore.FileName ? "a database" : "an identity file")}";
        }
        return null;
    }

    /// <summary>The problem with <paramref name="directory"/> as a data directory to read, or null when there is none.</summary>
    public static string? Problem(string directory)
    {
        if (FolderInPlaceOfFile(directory) is { } folder)
            return folder;
        if (Profile.Exists(directory))
            return null;
        if (!Directory.Exists(directory))
            return $"no data directory at {directory} (nothing was created); check --data-dir, or start a node there first";
        try
        {
            // File.Exists says false for what it may not look at: tell an unreadable folder from an empty one.
            using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
            entries.MoveNext();
        }
        catch (UnauthorizedAccessException)
        {
            return $"cannot read {directory}: permission denied";
        }
        return $"{directory} has no CryptoSphere data (no {NodeIdentity.FileName} or {ChatStore.FileName}); " +
               "check --data-dir, or start a node there first";
    }
}
