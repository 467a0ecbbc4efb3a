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
}
