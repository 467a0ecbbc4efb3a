using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #15: the data directory and the database are the owner's only.</summary>
public sealed class OwnerOnlyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_new_data_directory_and_its_database_are_created_owner_only()
    {
        if (OperatingSystem.IsWindows())
            return;
        var data = Path.Combine(_dir.Path, "data");
        using (var store = ChatStore.Open(data))
        {
            store.AppendOutgoing(new StoredMessage(Guid.CreateVersion7(), "peer:x", true, null, "127.0.0.1:1", "x", "hello",
                CryptoSphere.Core.Peers.PeerProtocol.Secure, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, MessageState.Queued),
                "peer:x", DateTimeOffset.UtcNow);
            Assert.Equal(OwnerOnly.DirectoryMode, File.GetUnixFileMode(data));
            foreach (var file in Directory.GetFiles(data, ChatStore.FileName + "*"))
                Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(file));
            Assert.Contains(Directory.GetFiles(data), f => f.EndsWith("-wal", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_database_left_world_readable_by_an_older_version_is_tightened_when_opened()
    {
        if (OperatingSystem.IsWindows())
            return;
        var data = Path.Combine(_dir.Path, "old");
        ChatStore.Open(data).Dispose();
        var db = Path.Combine(data, ChatStore.FileName);
        File.SetUnixFileMode(db, File.GetUnixFileMode(db) | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(data, File.GetUnixFileMode(data) | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        using (NodeIdentity.LoadOrCreate(data))
        using (ChatStore.Open(data))
        {
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(db));
            Assert.Equal(OwnerOnly.DirectoryMode, File.GetUnixFileMode(data));
        }
    }

    private const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public void The_node_lock_is_created_owner_only_and_one_left_readable_is_tightened()
    {
        if (OperatingSystem.IsWindows())
            return;
        var data = _dir.Combine("locked");
        var lockFile = Path.Combine(data, DataDirectoryLock.FileName);
        using (DataDirectoryLock.Acquire(data))
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(lockFile));
        File.SetUnixFileMode(lockFile, WorldReadable);
        using (DataDirectoryLock.Acquire(data))
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(lockFile));
    }

    [Fact]
    public void A_transfer_part_file_and_a_missing_downloads_folder_are_created_owner_only_and_an_old_part_file_is_tightened()
    {
        if (OperatingSystem.IsWindows())
            return;
        // The downloads folder may be outside the data directory, but what arrives there is private all the same.
        var downloads = _dir.Combine("downloads", "new");
        OwnerOnly.CreateFolder(downloads);
        Assert.Equal(OwnerOnly.DirectoryMode, File.GetUnixFileMode(downloads));
        var part = CryptoSphere.Core.Files.DownloadFolder.TempPath(downloads, Guid.NewGuid());
        using (CryptoSphere.Core.Files.PartFile.Open(part))
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(part));
        File.SetUnixFileMode(part, WorldReadable);
        using (CryptoSphere.Core.Files.PartFile.Open(part))
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(part));
    }

    [Fact]
    public async Task An_export_file_is_owner_only()
    {
        if (OperatingSystem.IsWindows())
            return;
        var data = _dir.Combine("exported");
        Assert.Equal(0, (await Cli.CliProcess.RunAsync("group", "create", "--data-dir", data, "lab")).ExitCode);
        var file = _dir.Combine("history.json");

        Assert.Equal(0, (await Cli.CliProcess.RunAsync("export", "--data-dir", data, "--out", file)).ExitCode);

        Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(file));
    }
}
