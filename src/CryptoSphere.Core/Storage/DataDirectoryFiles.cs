namespace CryptoSphere.Core.Storage;

/// <summary>
/// The names the program itself reads or writes in a data directory. A received file must never take one of them: a
/// peer's <c>network.json</c> became the node's relay and discovery settings on its next start (found from outside), and
/// a stray <c>chat.db-wal</c>, <c>node.lock</c> or <c>identity.pem.tmp</c> would be read, held or deleted as the node's own.
/// </summary>
public static class DataDirectoryFiles
{
    /// <summary>Where received files go by default: a folder of their own in the data directory, never the data directory itself.</summary>
    public const string DownloadsFolder = "downloads";

    /// <summary>Where files the web page sends wait while they are offered.</summary>
    public const string UploadsFolder = "uploads";

    /// <summary>The socket one-off commands reach a running node on (the command line's; named here so it is reserved too).</summary>
    public const string ControlSocket = "control.sock";

    // Compared ignoring case: on macOS and Windows "Network.JSON" is network.json.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        Identity.NodeIdentity.FileName, Identity.NodeIdentity.FileName + ".tmp",
        Mailbox.AgreementKey.FileName, Mailbox.AgreementKey.FileName + ".tmp",
        ChatStore.FileName, ChatStore.FileName + "-wal", ChatStore.FileName + "-shm", ChatStore.FileName + "-journal",
        Mailbox.MailboxStore.FileName, Mailbox.MailboxStore.FileName + "-wal", Mailbox.MailboxStore.FileName + "-shm",
        Mailbox.MailboxStore.FileName + "-journal",
        DataDirectoryLock.FileName, ControlSocket, ControlSocket + "~",
        Relay.AcrossNetworksSettingsFile.FileName,
        DownloadsFolder, UploadsFolder,
    };

    // Any of these present means the folder is a data directory (a node has run there, or runs there now).
    private static readonly string[] Markers =
    [
        Identity.NodeIdentity.FileName, ChatStore.FileName, DataDirectoryLock.FileName, Mailbox.AgreementKey.FileName,
        Mailbox.MailboxStore.FileName, Relay.AcrossNetworksSettingsFile.FileName,
    ];

    /// <summary>Every name the program uses in a data directory.</summary>
    public static IReadOnlyCollection<string> Names => Reserved;

    /// <summary>Whether <paramref name="name"/> is one of the node's own files or folders in a data directory.</summary>
    public static bool IsReserved(string name) => Reserved.Contains(name);

    /// <summary>Whether <paramref name="folder"/> holds a node's files: it is a data directory.</summary>
    public static bool IsDataDirectory(string folder) => Markers.Any(m => Path.Exists(Path.Combine(folder, m)));

    /// <summary>
    /// Whether a received file may not be named <paramref name="name"/> in <paramref name="folder"/>: one of the node's own
    /// names in a data directory (<c>--downloads</c> pointed at it, or a partial file from before downloads had a folder of
    /// their own), and <c>uploads</c> anywhere, since the uploads folder sits beside a <c>--downloads</c> folder.
    /// </summary>
    public static bool Refuses(string folder, string name) =>
        string.Equals(name, UploadsFolder, StringComparison.OrdinalIgnoreCase) || (IsReserved(name) && IsDataDirectory(folder));
}
