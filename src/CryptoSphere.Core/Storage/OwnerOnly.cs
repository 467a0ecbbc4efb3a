namespace CryptoSphere.Core.Storage;

/// <summary>
/// The data directory and the database are the owner's only (0700 and 0600), like identity.pem: messages,
/// contacts and trust decisions are nobody else's business on a shared machine.
/// </summary>
internal static class OwnerOnly
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the data directory owner-only. One that exists already is tightened when it is CryptoSphere's
    /// (empty, or holding its files); another folder the user pointed at is left as it is.
    /// </summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, DirectoryMode);
            return;
        }
        var ours = !Directory.EnumerateFileSystemEntries(path).Any()
                   || File.Exists(System.IO.Path.Combine(path, ChatStore.FileName))
                   || File.Exists(System.IO.Path.Combine(path, Identity.NodeIdentity.FileName));
        if (ours && (File.GetUnixFileMode(path) & ~DirectoryMode) != 0)
            File.SetUnixFileMode(path, DirectoryMode);
    }

    /// <summary>Creates <paramref name="path"/> empty and owner-only if it is missing; tightens it if it exists.</summary>
    public static void PrepareFile(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        if (File.Exists(path))
        {
            if ((File.GetUnixFileMode(path) & ~FileMode) != 0)
                File.SetUnixFileMode(path, FileMode);
            return;
        }
        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created by another process meanwhile: tighten it instead.
            PrepareFile(path);
        }
    }
}
