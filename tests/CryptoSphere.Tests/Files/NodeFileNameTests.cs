using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>
/// A received file never becomes one of the node's own files. Found from outside: files went to the data directory by
/// default, and a peer's file named network.json became the receiver's relay and discovery settings on its next start.
/// </summary>
public sealed class NodeFileNameTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string BobDir => _dir.Combine("bob");

    private async Task<string> ReceiveAsync(StoredNode bob, string offeredAs)
    {
        await using var alice = await TestNodes.StartAsync("alice");
        TestFiles.AcceptEverything(bob.Node);
        var source = _dir.Combine("source-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(source, """{"relay": "relay://127.0.0.1:9/?id=AAAAAAA"}""");
        var id = (await alice.OfferFileAsync(bob.Key, source, offeredAs)).Info().Id;
        var done = await bob.Events.For<TransferCompleted>(id);
        Assert.Equal(await File.ReadAllTextAsync(source), await File.ReadAllTextAsync(done.Transfer.Path));
        return done.Transfer.Path;
    }

    [Fact]
    public async Task By_default_received_files_go_to_an_owner_only_downloads_folder_not_beside_the_nodes_files()
    {
        await using var bob = await StoredNode.StartAsync("bob", BobDir);

        var path = await ReceiveAsync(bob, "network.json");

        Assert.Equal(Path.Combine(BobDir, "downloads", "network.json"), path);
        Assert.False(File.Exists(Path.Combine(BobDir, "network.json")), "a peer's file became the node's network settings");
        if (!OperatingSystem.IsWindows())
            Assert.Equal(OwnerOnly.DirectoryMode, File.GetUnixFileMode(Path.Combine(BobDir, "downloads")));
    }

    [Theory]
    [InlineData("network.json", "network (1).json")]
    [InlineData("Network.JSON", "Network (1).JSON")]
    [InlineData("chat.db-wal", "chat (1).db-wal")]
    [InlineData("mailbox.db-journal", "mailbox (1).db-journal")]
    [InlineData("identity.pem.tmp", "identity.pem (1).tmp")]
    [InlineData("node.lock", "node (1).lock")]
    [InlineData("uploads", "uploads (1)")]
    public async Task With_downloads_pointed_at_the_data_directory_a_nodes_own_name_is_never_taken(string offered, string expected)
    {
        await using var bob = await StoredNode.StartAsync("bob", BobDir, configure: o => o with { DownloadsDirectory = BobDir });
        var existed = Path.Exists(Path.Combine(BobDir, offered));

        var path = await ReceiveAsync(bob, offered);

        Assert.Equal(Path.Combine(BobDir, expected), path);
        // The node's own file, where it has one, is not the peer's (the database's log changes, so only that is compared);
        // where it has none yet, none was made.
        var own = Path.Combine(BobDir, offered);
        if (existed)
            Assert.NotEqual(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(own));
        else
            Assert.False(Path.Exists(own), $"{offered} was created in the data directory");
    }

    [Fact]
    public void Every_name_the_node_uses_in_its_data_directory_is_reserved()
    {
        // The list is the one place these names meet; a new file the node keeps must be added there.
        string[] used =
        [
            "identity.pem", "agreement.pem", "chat.db", "chat.db-wal", "chat.db-shm", "mailbox.db", "mailbox.db-wal", "mailbox.db-shm",
            "node.lock", "control.sock", "network.json", "uploads", "downloads",
        ];
        Assert.All(used, name => Assert.True(DataDirectoryFiles.IsReserved(name), name));
        Assert.Equal(DataDirectoryFiles.ControlSocket, CryptoSphere.Cli.Control.ControlSocket.FileName);
        Assert.False(DataDirectoryFiles.IsReserved("notes.txt"));
    }
}
