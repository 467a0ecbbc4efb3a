using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// Removal times are kept with the group (table group_removals) and replaced with each newer state; a database from
/// before them migrates with every removal's time unknown, so removed members' messages stay refused as they were.
/// </summary>
public sealed class GroupRemovalsStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly PeerId _admin = PeerId.FromPublicKeyInfo([1]);
    private readonly PeerId _bob = PeerId.FromPublicKeyInfo([2]);
    private readonly PeerId _carol = PeerId.FromPublicKeyInfo([3]);

    public void Dispose() => _dir.Dispose();

    private Group Team(long version, params GroupMember[] others) =>
        new(Guid.Parse("0190f0c0-0000-7000-8000-000000000001"), "team", _admin, version, [new GroupMember(_admin, null, false), .. others], true);

    private long RemovedAt(ChatStore store, PeerId member) =>
        store.FindGroup(Team(1).Id)!.Members.Single(m => m.Id == member).RemovedAtLamport;

    [Fact]
    public void Removal_times_survive_a_reopen_and_follow_each_newer_state()
    {
        using (var store = ChatStore.Open(_dir.Path))
        {
            Assert.True(store.SaveGroup(Team(2, new GroupMember(_bob, null, true, 17), new GroupMember(_carol, null, false)), _carol));
            Assert.Equal(17, RemovedAt(store, _bob));
        }
        using (var store = ChatStore.Open(_dir.Path))
        {
            Assert.Equal(17, RemovedAt(store, _bob));
            Assert.False(store.FindGroup(Team(1).Id)!.Admits(_bob, 17));
            Assert.True(store.FindGroup(Team(1).Id)!.Admits(_bob, 16));
            // Bob added again, then Carol removed: Bob's old time goes, Carol's comes.
            Assert.True(store.SaveGroup(Team(3, new GroupMember(_bob, null, false), new GroupMember(_carol, null, true, 40)), _bob));
            Assert.Equal(0, RemovedAt(store, _bob));
            Assert.Equal(40, RemovedAt(store, _carol));
        }
    }

    [Fact]
    public void A_database_from_before_removal_times_migrates_with_them_unknown()
    {
        var path = Path.Combine(_dir.Path, ChatStore.FileName);
        using (var store = ChatStore.Open(_dir.Path))
            Assert.True(store.SaveGroup(Team(2, new GroupMember(_bob, null, true, 17)), _admin));
        using (var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            raw.Open();
            // Back to the schema before: no removal times (the removed flag stays).
            ChatStore.Execute(raw, "DROP TABLE group_removals");
            ChatStore.Execute(raw, $"PRAGMA user_version = {Array.FindIndex(Schema.Migrations, m => m.Contains("CREATE TABLE IF NOT EXISTS group_removals"))}");
        }

        using var migrated = ChatStore.Open(_dir.Path);

        Assert.Equal((long)Schema.Version, migrated.Locked(db => ChatStore.Scalar(db, "PRAGMA user_version")));
        var bob = migrated.FindGroup(Team(1).Id)!.Members.Single(m => m.Id == _bob);
        Assert.True(bob.Removed);
        Assert.Equal(0, bob.RemovedAtLamport);
        Assert.False(migrated.FindGroup(Team(1).Id)!.Admits(_bob, 0));
        // And the migration can run again over itself, as FullTextIndexTests makes the later ones do.
        migrated.Locked(db => ChatStore.Execute(db, Schema.Migrations[^1]));
    }
}
