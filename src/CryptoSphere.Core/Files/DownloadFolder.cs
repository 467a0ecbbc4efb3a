namespace CryptoSphere.Core.Files;

/// <summary>Where received files go: a hidden temporary file per transfer, then a name that is free.</summary>
internal static class DownloadFolder
{
    /// <summary>The temporary file of a transfer; its name comes from the ID only, never from the network.</summary>
    public static string TempPath(string folder, Guid transferId) =>
        Path.Combine(folder, $".cryptosphere-{transferId:N}.part");

    /// <summary>
    /// Moves the verified temporary file to <paramref name="name"/> (already sanitized) in <paramref name="folder"/>,
    /// adding " (1)", " (2)", ... before the extension while the name is taken. Never overwrites, and never takes a
    /// name the node uses itself when the folder is a data directory (<c>network.json</c> arrives as <c>network (1).json</c>).
    /// </summary>
    public static string MoveIntoPlace(string tempPath, string folder, string name)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        var extension = Path.GetExtension(name);
        for (var attempt = 0; ; attempt++)
        {
            var candidate = Inside(folder, attempt == 0 ? name : $"{stem} ({attempt}){extension}");
            if (File.Exists(candidate) || Directory.Exists(candidate) || Storage.DataDirectoryFiles.Refuses(folder, Path.GetFileName(candidate)))
                continue;
            try
            {
                // No overwrite: a file created meanwhile by someone else makes this throw, and we try the next name.
                File.Move(tempPath, candidate, overwrite: false);
                return candidate;
            }
            catch (IOException) when (File.Exists(candidate) && attempt < 10_000)
            {
            }
        }
    }

    /// <summary>Joins folder and name, and checks the result really is a direct child of the folder.</summary>
    public static string Inside(string folder, string name)
    {
        var root = Path.GetFullPath(folder);
        var path = Path.GetFullPath(Path.Combine(root, name));
        if (!string.Equals(Path.GetDirectoryName(path), root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            throw new IOException($"'{name}' would leave the downloads folder");
        return path;
    }
}
