namespace CryptoSphere.Core.Storage;

/// <summary>
/// The data directory and the database are the owner's only (0700 and 0600), like identity.pem: messages,
/// contacts and trust decisions are nobody else's business on a shared machine. So is every other file the program
/// writes: the node's lock, uploads, received files and exports (public: the command line and the web write some).
/// </summary>
public static class OwnerOnly
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

    /// <summary>
    /// Creates a folder the program writes its own files in (uploads; a downloads folder that is missing) owner-only,
    /// with any missing parents. One that exists is left as it is: it may be the user's own (~/Downloads), unless
    /// <paramref name="ours"/> says only the program uses it, when it is tightened.
    /// </summary>
    public static void CreateFolder(string path, bool ours = false)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        if (!Directory.Exists(path))
            Directory.CreateDirectory(path, DirectoryMode);
        else if (ours && (File.GetUnixFileMode(path) & ~DirectoryMode) != 0)
            File.SetUnixFileMode(path, DirectoryMode);
    }

    /// <summary>
    /// Opens <paramref name="path"/> as a <see cref="FileStream"/> would, but a file it creates is owner-only from the
    /// start (created with mode 0600, not changed after: someone who opened it meanwhile could read it later), and an
    /// existing one is tightened through the open handle, never through a name a link could redirect.
    /// </summary>
    public static FileStream Open(string path, System.IO.FileMode mode, FileAccess access, FileShare share = FileShare.None,
        int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        var settings = new FileStreamOptions { Mode = mode, Access = access, Share = share, BufferSize = bufferSize, Options = options };
        var creates = mode is System.IO.FileMode.CreateNew or System.IO.FileMode.Create or System.IO.FileMode.OpenOrCreate;
        if (!OperatingSystem.IsWindows() && creates)
            settings.UnixCreateMode = FileMode;
        var stream = new FileStream(path, settings);
        if (mode != System.IO.FileMode.CreateNew)
            Tighten(stream.SafeFileHandle);
        return stream;
    }

    /// <summary>Makes an open file owner-only (a file left by an older version, which wrote some with the umask's mode).</summary>
    public static void Tighten(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & ~FileMode) != 0)
            File.SetUnixFileMode(file, FileMode);
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
            Open(path, System.IO.FileMode.CreateNew, FileAccess.Write).Dispose();
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created by another process meanwhile: tighten it instead.
            PrepareFile(path);
        }
    }
}
