using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Files;

public sealed class TransferStoreTests
{
    private static readonly PeerId Peer = NodeIdentity.CreateEphemeral().Id;

    private static TransferInfo Sample(TransferState state = TransferState.Active) =>
        new(Guid.CreateVersion7(), TransferDirection.Outgoing, Peer, "bob", "a.bin", "/tmp/a.bin", 1000, new string('a', 64), 0, state,
            DateTimeOffset.FromUnixTimeMilliseconds(1_000), DateTimeOffset.FromUnixTimeMilliseconds(2_000)) { SourceWriteTime = 42 };

    [Fact]
    public void A_saved_transfer_reads_back_and_unfinished_ones_are_listed()
    {
        using var store = ChatStore.OpenInMemory();
        var transfers = new TransferStore(store);
        var active = Sample();
        var done = Sample(TransferState.Completed) with { Error = null };
        transfers.Save(active);
        transfers.Save(done);
        transfers.SaveProgress(active.Id, 640, DateTimeOffset.FromUnixTimeMilliseconds(3_000));

        Assert.Equal(active with { Bytes = 640, Updated = DateTimeOffset.FromUnixTimeMilliseconds(3_000) }, transfers.Find(active.Id));
        Assert.Equal([active.Id], transfers.Unfinished().Select(t => t.Id));
        Assert.Equal(active.Id, transfers.FindResumable(Peer, "/tmp/a.bin", 1000, 42)!.Id);
        Assert.Null(transfers.FindResumable(Peer, "/tmp/a.bin", 1000, 43));
        Assert.Equal(2, transfers.Recent(10).Count);
    }

    [Fact]
    public void A_database_from_before_file_transfer_is_upgraded_and_keeps_its_messages()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine(ChatStore.FileName);
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = Schema.Migrations[0] + """
                ;INSERT INTO contacts(peer_id, state, name, first_seen, last_seen) VALUES ('X', 1, 'old friend', 1, 1);
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        using var store = ChatStore.Open(dir.Path);
        new TransferStore(store).Save(Sample());

        Assert.Equal(Schema.Version, store.Locked(db => Convert.ToInt32(ChatStore.Scalar(db, "PRAGMA user_version"))));
        Assert.Equal("old friend", store.Locked(db => (string)ChatStore.Scalar(db, "SELECT name FROM contacts")!));
        Assert.Single(new TransferStore(store).Unfinished());
    }
}
