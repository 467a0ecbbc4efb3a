using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>One data directory opened: identity, database and trust store, with clear errors.</summary>
internal sealed class Profile : IDisposable
{
    private readonly DataDirectoryLock? _lock;

    private Profile(string directory, NodeIdentity identity, ChatStore store, DataDirectoryLock? dataLock)
    {
        Directory = directory;
        Identity = identity;
        Store = store;
        Trust = new TrustStore(store);
        _lock = dataLock;
    }

    public string Directory { get; }
    public NodeIdentity Identity { get; }
    public ChatStore Store { get; }
    public TrustStore Trust { get; }

    /// <summary>
    /// Opens the profile, or prints why it cannot be opened and returns null. A running node passes
    /// <paramref name="forNode"/> so that no second node can use the same directory.
    /// </summary>
    public static Profile? Open(string directory, bool forNode = false) => Open(directory, forNode, readOnly: false);

    /// <summary>
    /// For commands that only read: a data directory that does not exist (a mistyped <c>--data-dir</c>) is an
    /// error, never a new identity.
    /// </summary>
    public static Profile? OpenExisting(string directory) => Open(directory, forNode: false, readOnly: true);

    /// <summary>Whether <paramref name="directory"/> is a data directory already: it holds an identity or a database.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, NodeIdentity.FileName)) || File.Exists(Path.Combine(directory, ChatStore.FileName));

    private static Profile? Open(string directory, bool forNode, bool readOnly)
    {
        if (File.Exists(directory))
        {
            Console.Error.WriteLine($"cryptosphere: the data directory {directory} is a file; give a folder with --data-dir");
            return null;
        }
        if ((readOnly ? DataDirectoryCheck.Problem(directory) : DataDirectoryCheck.FolderInPlaceOfFile(directory)) is { } problem)
        {
            Console.Error.WriteLine($"cryptosphere: {problem}");
            return null;
        }
        DataDirectoryLock? dataLock = null;
        NodeIdentity? identity = null;
        try
        {
            dataLock = forNode ? DataDirectoryLock.Acquire(directory) : null;
            identity = NodeIdentity.LoadOrCreate(directory);
            // A node checks the whole file once (quick_check); a one-off command meets damage only where it reads.
            return new Profile(directory, identity, ChatStore.Open(directory, verify: forNode), dataLock);
        }
        catch (Exception e) when (e is IdentityException or StorageException or IOException or UnauthorizedAccessException)
        {
            identity?.Dispose();
            dataLock?.Dispose();
            Console.Error.WriteLine($"cryptosphere: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// Only the identity (created on first use), for a command that needs nothing else: opening the database
    /// (SQLite, the schema check) is most of what a one-shot command does before its own work.
    /// Prints why it cannot be opened and returns null.
    /// </summary>
    public static NodeIdentity? OpenIdentity(string directory)
    {
        if (File.Exists(directory))
        {
            Console.Error.WriteLine($"cryptosphere: the data directory {directory} is a file; give a folder with --data-dir");
            return null;
        }
        try
        {
            return NodeIdentity.LoadOrCreate(directory);
        }
        catch (Exception e) when (e is IdentityException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"cryptosphere: {e.Message}");
            return null;
        }
    }

    public void Dispose()
    {
        Store.Dispose();
        Identity.Dispose();
        _lock?.Dispose();
    }
}
