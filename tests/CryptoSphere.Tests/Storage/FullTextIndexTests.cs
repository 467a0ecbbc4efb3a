using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// The search index may lag the last few messages stored (a lone message does not pay for indexing in its commit):
/// a search still finds every message, a burst indexes itself, the lag survives a restart, and deleting a message
/// that was never indexed leaves the index sound.
/// </summary>
public sealed class FullTextIndexTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static StoredMessage Received(string text, MessageState state = MessageState.Received, string? peer = null) =>
        new(Guid.CreateVersion7(), "peer:X", false, peer, "127.0.0.1:4000", "bob", text, PeerProtocol.Secure, T0, T0, state);

    private static long IndexedUpto(ChatStore store) => store.Locked(db => Convert.ToInt64(ChatStore.Scalar(db, "SELECT indexed_upto FROM fts_state")));

    // Through MATCH, which reads the index itself (a plain COUNT of an external-content table reads the messages).
    private static long Indexed(ChatStore store, string query) =>
        store.Locked(db => Convert.ToInt64(ChatStore.Scalar(db, "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH $q", ("$q", query))));

    private static void AssertSound(ChatStore store) =>
        store.Locked(db => ChatStore.Execute(db, "INSERT INTO messages_fts(messages_fts, rank) VALUES('integrity-check', 1)"));

    [Fact]
    public async Task A_lone_message_waits_outside_the_index_yet_a_search_finds_it()
    {
        using var store = ChatStore.Open(_dir.Path);
        await store.AppendReceivedAsync(Received("lonely walrus"));

        Assert.Equal(0, IndexedUpto(store));
        Assert.Equal(0, Indexed(store, "walrus"));
        Assert.Equal("lonely walrus", Assert.Single(store.Search("walrus", 10)).Text);
        Assert.Equal(1, IndexedUpto(store));
        AssertSound(store);
    }

    [Fact]
    public async Task Messages_stored_one_by_one_are_indexed_a_batch_at_a_time()
    {
        using var store = ChatStore.Open(_dir.Path);
        for (var i = 0; i < FullTextIndex.Lag - 1; i++)
            await store.AppendReceivedAsync(Received($"message {i}"));
        Assert.Equal(0, IndexedUpto(store));

        await store.AppendReceivedAsync(Received("the one that tips it"));

        Assert.Equal(FullTextIndex.Lag, IndexedUpto(store));
        Assert.Equal(FullTextIndex.Lag, Indexed(store, "message OR tips"));
        AssertSound(store);
    }

    [Fact]
    public async Task What_waits_is_kept_across_a_restart_and_found()
    {
        using (var store = ChatStore.Open(_dir.Path))
        {
            await store.AppendReceivedAsync(Received("before the restart"));
            Assert.Equal(0, IndexedUpto(store));
        }
        using var reopened = ChatStore.Open(_dir.Path);
        Assert.Single(reopened.Search("restart", 10));
        AssertSound(reopened);
    }

    [Fact]
    public async Task Deleting_a_message_that_was_never_indexed_leaves_the_index_sound()
    {
        using var store = ChatStore.Open(_dir.Path);
        var peer = Core.Identity.PeerId.FromPublicKeyInfo([4, 2]).Value;
        await store.AppendReceivedAsync(Received("indexed first"));
        Assert.Single(store.Search("indexed", 10)); // now in the index
        // A stranger's message held as a contact request, then rejected: deleted before it was ever indexed.
        await store.AppendReceivedAsync(Received("held then dropped", MessageState.Held, peer));
        Assert.Equal(1, IndexedUpto(store));

        Assert.Equal(1, store.DropHeld(peer));

        AssertSound(store);
        Assert.Empty(store.Search("dropped", 10));
        Assert.Single(store.Search("indexed", 10));
    }

    [Fact]
    public async Task A_database_from_before_the_lag_is_taken_as_fully_indexed()
    {
        var path = Path.Combine(_dir.Path, ChatStore.FileName);
        using (var store = ChatStore.Open(_dir.Path))
        {
            await store.AppendReceivedAsync(Received("old message"));
            Assert.Single(store.Search("old", 10)); // indexed, as an older build's commit did
        }
        using (var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            raw.Open();
            // Back to the previous schema: no mark, the trigger deletes from the index unconditionally.
            ChatStore.Execute(raw, """
                DROP TABLE fts_state;
                DROP TRIGGER messages_fts_delete;
                CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
                    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
                END;
                """);
            // The migrations after that one run again too: they are written to allow it.
            ChatStore.Execute(raw, $"PRAGMA user_version = {Array.FindIndex(Schema.Migrations, m => m.Contains("CREATE TABLE fts_state"))}");
        }

        using var migrated = ChatStore.Open(_dir.Path);

        Assert.Equal(1, IndexedUpto(migrated));
        Assert.Single(migrated.Search("old", 10));
        AssertSound(migrated);
    }
}
