using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Storage;

/// <summary>The database on its own: schema, durability across reopen, dedup, paging, search, outbox, refusals.</summary>
public sealed class ChatStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.Combine(ChatStore.FileName);

    private static StoredMessage Received(string text, string conversation = "peer:X", Guid? id = null, int second = 0) =>
        new(id ?? Guid.CreateVersion7(), conversation, false, null, "127.0.0.1:4000", "bob", text, PeerProtocol.Secure,
            T0.AddSeconds(second), T0.AddSeconds(second), MessageState.Received);

    private static StoredMessage Outgoing(string text, string conversation = "peer:X", Guid? id = null) =>
        new(id ?? Guid.CreateVersion7(), conversation, true, null, "127.0.0.1:4000", "bob", text, PeerProtocol.Secure,
            T0, T0, MessageState.Queued);

    private static StoredMessage Single(ChatStore store, Guid id) =>
        store.History(null, int.MaxValue).Single(m => m.Id == id);

    private static SqliteConnection Raw(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        return db;
    }

    // ---- schema ----

    [Fact]
    public void A_new_file_database_gets_the_current_schema_version_and_wal()
    {
        using (var store = ChatStore.Open(_dir.Path))
        {
            Assert.Equal(DbPath, store.Path);
            Assert.Equal("wal", store.Locked(db => ChatStore.Scalar(db, "PRAGMA journal_mode") as string));
            Assert.Equal((long)Schema.Version, store.Locked(db => ChatStore.Scalar(db, "PRAGMA user_version")));
        }

        // Both are kept in the file, not just set on the connection.
        using var raw = Raw(DbPath);
        Assert.Equal("wal", ChatStore.Scalar(raw, "PRAGMA journal_mode"));
        Assert.Equal((long)Schema.Version, ChatStore.Scalar(raw, "PRAGMA user_version"));
        Assert.True(Schema.Version >= 1);
    }

    [Fact]
    public async Task Reopening_keeps_messages_outbox_and_contacts()
    {
        var peer = NodeIdentity.CreateEphemeral().Id;
        var inId = Guid.CreateVersion7();
        var outId = Guid.CreateVersion7();
        using (var store = ChatStore.Open(_dir.Path))
        {
            Assert.True(await store.AppendReceivedAsync(Received("kept across restarts", id: inId)).WaitAsync(TimeSpan.FromSeconds(10)));
            store.AppendOutgoing(Outgoing("still waiting", id: outId), "peer:X", T0);
            var trust = new TrustStore(store);
            Assert.True(trust.RecordContact(peer, "bob", "127.0.0.1:4000", T0));
            trust.SetState(peer, TrustState.Trusted, T0);
        }

        using (var reopened = ChatStore.Open(_dir.Path))
        {
            var history = reopened.History("peer:X", 10);
            Assert.Equal(["kept across restarts", "still waiting"], history.Select(m => m.Text));
            Assert.Equal(MessageState.Received, history[0].State);
            Assert.Equal(MessageState.Queued, history[1].State);
            Assert.Equal(outId, Assert.Single(reopened.Outbox()).Message.Id);

            var trust = new TrustStore(reopened);
            Assert.Equal(TrustState.Trusted, trust.StateOf(peer));
            Assert.Equal("127.0.0.1:4000", trust.Find(peer)?.LastAddress);
            Assert.False(trust.RecordContact(peer, "bob", null, T0.AddMinutes(1)), "a known contact is not new after a restart");

            // The same received message after a restart (a resend) is still a duplicate.
            Assert.False(await reopened.AppendReceivedAsync(Received("kept across restarts", id: inId)).WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    // ---- received messages ----

    [Fact]
    public async Task A_received_duplicate_is_stored_once_and_reported_as_not_new()
    {
        using var store = ChatStore.Open(_dir.Path);
        var id = Guid.CreateVersion7();
        var first = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Back to back, so they usually share one batch (one transaction).
        store.AppendReceived(Received("hello", id: id), first.SetResult);
        store.AppendReceived(Received("hello again with the same id", id: id), second.SetResult);

        Assert.True(await first.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await second.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // And one that arrives later, in a batch of its own.
        var third = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.AppendReceived(Received("hello", id: id), third.SetResult);
        Assert.False(await third.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        var stored = Assert.Single(store.History(null, 100));
        Assert.Equal("hello", stored.Text);
        Assert.Single(store.Search("hello", 10));
    }

    [Fact]
    public async Task Received_callbacks_run_in_arrival_order_after_the_commit()
    {
        using var store = ChatStore.Open(_dir.Path);
        var order = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int count = 200;
        for (var i = 0; i < count; i++)
        {
            var n = i;
            store.AppendReceived(Received($"n{n}"), isNew =>
            {
                Assert.True(isNew);
                // Committed before the callback: the row is already readable.
                lock (order)
                {
                    order.Add(n);
                    if (order.Count == count)
                        all.SetResult();
                }
            });
        }
        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, count), order);
        Assert.Equal(count, store.History(null, 1000).Count);
    }

    // ---- history paging ----

    [Fact]
    public async Task History_pages_are_oldest_first_and_chain_without_gaps()
    {
        using var store = ChatStore.Open(_dir.Path);
        for (var i = 0; i < 10; i++)
        {
            await store.AppendReceivedAsync(Received($"c1 #{i}", "peer:C1", second: i));
            // Another conversation interleaved: it must not appear in, or shorten, C1's pages.
            await store.AppendReceivedAsync(Received($"c2 #{i}", "peer:C2", second: i));
        }

        var pages = new List<IReadOnlyList<StoredMessage>>();
        long? before = null;
        while (true)
        {
            var page = store.History("peer:C1", 3, before);
            if (page.Count == 0)
                break;
            Assert.True(pages.Count < 10, "paging does not end");
            pages.Add(page);
            Assert.Equal(page.OrderBy(m => m.Sequence).Select(m => m.Sequence), page.Select(m => m.Sequence));
            before = page[0].Sequence;
        }

        Assert.Equal([3, 3, 3, 1], pages.Select(p => p.Count));
        Assert.Equal(["c1 #7", "c1 #8", "c1 #9"], pages[0].Select(m => m.Text));
        // Walking back page by page gives every message exactly once, in order.
        var all = pages.AsEnumerable().Reverse().SelectMany(p => p).Select(m => m.Text).ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"c1 #{i}"), all);

        // All conversations together, newest page.
        Assert.Equal(["c2 #8", "c1 #9", "c2 #9"], store.History(null, 3).Select(m => m.Text));
    }

    // ---- search ----

    [Fact]
    public async Task Search_finds_whole_words_in_any_case_and_not_inside_other_words()
    {
        using var store = ChatStore.Open(_dir.Path);
        foreach (var text in new[] { "The cat sat on the mat", "concatenate these strings", "CAT videos, all day", "category theory", "Cats!" })
            await store.AppendReceivedAsync(Received(text));

        var found = store.Search("cat", 10).Select(m => m.Text).ToList();
        // Newest first.
        Assert.Equal(["CAT videos, all day", "The cat sat on the mat"], found);
        Assert.Equal(found, store.Search("Cat", 10).Select(m => m.Text));
        Assert.Equal(found, store.Search("  CAT  ", 10).Select(m => m.Text));

        // Every word must appear.
        Assert.Equal(["The cat sat on the mat"], store.Search("mat CAT", 10).Select(m => m.Text));
        Assert.Empty(store.Search("cat strings", 10));
        Assert.Equal(["concatenate these strings"], store.Search("concatenate", 10).Select(m => m.Text));
        Assert.Single(store.Search("cat", 1));
        Assert.Empty(store.Search("   ", 10));
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("\"cat")]
    [InlineData("say \"hi\"")]
    [InlineData("*")]
    [InlineData("cat*")]
    [InlineData("NOT cat")]
    [InlineData("cat OR dog")]
    [InlineData("cat AND")]
    [InlineData("(cat")]
    [InlineData("text:cat")]
    [InlineData("-cat +dog ^x")]
    [InlineData("NEAR(cat dog)")]
    [InlineData("it's")]
    [InlineData("{a b}")]
    [InlineData("-")]
    [InlineData("\"\"")]
    public async Task Search_treats_query_syntax_in_user_text_as_plain_words(string query)
    {
        using var store = ChatStore.Open(_dir.Path);
        await store.AppendReceivedAsync(Received("a cat and a dog: NOT friends; it's \"hi\" they say"));
        await store.AppendReceivedAsync(Received("nothing to see"));

        var found = store.Search(query, 10);

        // Never an exception, and never the unrelated message.
        Assert.DoesNotContain(found, m => m.Text == "nothing to see");
    }

    [Fact]
    public async Task Search_of_quoted_words_finds_them_as_words()
    {
        using var store = ChatStore.Open(_dir.Path);
        await store.AppendReceivedAsync(Received("she said \"hi\" to the cat"));
        await store.AppendReceivedAsync(Received("NOT me"));

        Assert.Single(store.Search("\"hi\"", 10));
        Assert.Single(store.Search("\"cat", 10));
        Assert.Equal(["NOT me"], store.Search("NOT", 10).Select(m => m.Text));
    }

    // ---- outbox ----

    [Fact]
    public void PendingFrames_are_the_outbox_rows_after_a_sequence_with_what_their_frames_carry()
    {
        using var store = ChatStore.Open(_dir.Path);
        var chat = Guid.CreateVersion7();
        var first = store.AppendOutgoing(Outgoing("one to one", id: chat), "peer:X", T0);
        var group = Guid.CreateVersion7();
        var member = Guid.CreateVersion7();
        var second = store.AppendOutgoing(Outgoing("to the group", $"group:{group}", member) with { Lamport = 7 }, ["peer:X", "peer:Y"], T0);
        store.AppendOutgoing(Outgoing("someone else's"), "peer:Y", T0);
        store.MarkSent(chat, leaveOutbox: false);

        var frames = store.PendingFrames("peer:X", 0);

        Assert.Equal([first, second], frames.Select(f => f.Sequence));
        Assert.Equal(new PendingFrame(first, chat, null, null, T0, "one to one", MessageState.Sent), frames[0]);
        Assert.Equal(new PendingFrame(second, member, $"group:{group}", 7, T0, "to the group", MessageState.Queued), frames[1]);
        Assert.Equal([second], store.PendingFrames("peer:X", first).Select(f => f.Sequence));
        Assert.Empty(store.PendingFrames("peer:X", second));
        Assert.Equal([first], store.PendingFrames("peer:X", 0, limit: 1).Select(f => f.Sequence));
        // What a flush reads is what the whole-row read says.
        Assert.Equal(store.Outbox("peer:X").Select(r => PendingFrame.Of(r.Message)), frames);
    }

    [Fact]
    public void Outbox_lifecycle_queued_then_sent()
    {
        using var store = ChatStore.Open(_dir.Path);
        var id = Guid.CreateVersion7();
        var seq = store.AppendOutgoing(Outgoing("hello", id: id), "peer:X", T0);

        var row = Assert.Single(store.Outbox());
        Assert.Equal(id, row.Message.Id);
        Assert.Equal(seq, row.Message.Sequence);
        Assert.Equal("peer:X", row.Target);
        Assert.Equal(T0, row.NextAttempt);
        Assert.Equal(MessageState.Queued, row.Message.State);
        Assert.Equal(1, store.OutboxCount("peer:X"));
        Assert.Equal(0, store.OutboxCount("peer:Y"));
        Assert.Empty(store.Outbox("peer:Y"));

        // Secure: written, but it waits for the ack in the outbox.
        store.MarkSent(id, leaveOutbox: false);
        row = Assert.Single(store.Outbox("peer:X"));
        Assert.Equal(MessageState.Sent, row.Message.State);

        // Acknowledgements: AcknowledgementWriterTests.
    }

    [Fact]
    public void Outbox_failure_and_attempts()
    {
        using var store = ChatStore.Open(_dir.Path);
        var id = Guid.CreateVersion7();
        var other = Guid.CreateVersion7();
        store.AppendOutgoing(Outgoing("doomed", id: id), "legacy:127.0.0.1:9", T0);
        store.AppendOutgoing(Outgoing("waits", id: other), "legacy:127.0.0.1:9", T0);

        store.RecordAttempt(id, "connection refused", T0.AddSeconds(2));
        store.RecordAttempt(id, "timed out", T0.AddSeconds(4));
        var row = store.Outbox().First(r => r.Message.Id == id);
        Assert.Equal(2, row.Message.Attempts);
        Assert.Equal("timed out", row.Message.Error);
        Assert.Equal(T0.AddSeconds(4), row.NextAttempt);
        Assert.Equal(MessageState.Queued, row.Message.State);

        // Legacy: written is final, it leaves the outbox.
        store.MarkSent(other, leaveOutbox: true);
        Assert.Equal(MessageState.Sent, Single(store, other).State);

        Assert.True(store.MarkFailed(id, "gave up after 2 tries"));
        Assert.Empty(store.Outbox());
        var failed = Single(store, id);
        Assert.Equal(MessageState.Failed, failed.State);
        Assert.Equal("gave up after 2 tries", failed.Error);
        Assert.Equal(2, failed.Attempts);
    }

    [Fact]
    public void MakeDue_brings_every_message_of_a_target_forward()
    {
        using var store = ChatStore.Open(_dir.Path);
        store.AppendOutgoing(Outgoing("a"), "peer:X", T0.AddHours(1));
        store.AppendOutgoing(Outgoing("b"), "peer:Y", T0.AddHours(1));

        store.MakeDue("peer:X", T0);

        Assert.Equal(T0, Assert.Single(store.Outbox("peer:X")).NextAttempt);
        Assert.Equal(T0.AddHours(1), Assert.Single(store.Outbox("peer:Y")).NextAttempt);
    }

    // ---- refusals: nothing touched ----

    public static TheoryData<string, byte[]> NotDatabases => new()
    {
        { "random bytes", RandomBytes(8192) },
        { "text", "these are my notes, not a database\nline two\n"u8.ToArray() },
        { "truncated header", "SQLite format 3\0"u8.ToArray().Concat(RandomBytes(200)).ToArray() },
    };

    private static byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        new Random(1234).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [MemberData(nameof(NotDatabases))]
    public void A_file_that_is_not_a_database_is_refused_and_left_untouched(string kind, byte[] content)
    {
        File.WriteAllBytes(DbPath, content);

        var error = Assert.Throws<StorageException>(() => ChatStore.Open(_dir.Path));

        Assert.Contains(DbPath, error.Message);
        Assert.Contains("untouched", error.Message);
        Assert.Equal(content, File.ReadAllBytes(DbPath));
        Assert.False(File.Exists(DbPath + "-wal"), $"{kind}: a WAL file was left next to it");
    }

    [Fact]
    public void A_database_from_a_newer_version_is_refused_and_left_untouched()
    {
        using (var store = ChatStore.Open(_dir.Path))
            store.AppendOutgoing(Outgoing("from the future"), "peer:X", T0);
        using (var raw = Raw(DbPath))
            ChatStore.Execute(raw, "PRAGMA user_version = 99");
        var before = File.ReadAllBytes(DbPath);

        var error = Assert.Throws<StorageException>(() => ChatStore.Open(_dir.Path));

        Assert.Contains("99", error.Message);
        Assert.Contains($"({Schema.Version})", error.Message);
        Assert.Contains("newer", error.Message);
        Assert.Equal(before, File.ReadAllBytes(DbPath));
        using var check = Raw(DbPath);
        Assert.Equal(99L, ChatStore.Scalar(check, "PRAGMA user_version"));
    }

    [Fact]
    public void Another_programs_sqlite_database_is_refused_and_left_untouched()
    {
        using (var raw = Raw(DbPath))
            ChatStore.Execute(raw, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)");
        var before = File.ReadAllBytes(DbPath);

        var error = Assert.Throws<StorageException>(() => ChatStore.Open(_dir.Path));

        Assert.Contains("another program", error.Message);
        Assert.Equal(before, File.ReadAllBytes(DbPath));
    }

    [Fact]
    public async Task A_database_damaged_inside_gives_a_clear_error_in_the_cli_not_a_crash()
    {
        // A valid header and schema page, garbage after it: opening works, reading the messages does not.
        using (var store = ChatStore.Open(_dir.Path))
        {
            for (var i = 0; i < 300; i++)
                store.AppendOutgoing(Outgoing($"message number {i} with some padding to fill a few pages of the table"), "peer:X", T0);
        }
        var bytes = File.ReadAllBytes(DbPath);
        Assert.True(bytes.Length > 4 * 4096, $"only {bytes.Length} bytes");
        var garbage = RandomBytes(bytes.Length - 2 * 4096);
        garbage.CopyTo(bytes, 2 * 4096);
        File.WriteAllBytes(DbPath, bytes);

        foreach (var command in new[] { "history", "search", "outbox", "export" })
        {
            string[] args = command == "search" ? [command, "message", "--data-dir", _dir.Path] : [command, "--data-dir", _dir.Path];
            var (code, _, stderr) = await CliProcess.RunAsync(args);

            Assert.NotEqual(0, code);
            Assert.DoesNotContain("Unhandled exception", stderr);
            Assert.Contains("cryptosphere: ", stderr);
            Assert.Contains("damaged", stderr);
        }
        Assert.Equal(bytes, File.ReadAllBytes(DbPath));
    }

    // ---- one node per data directory ----

    [Fact]
    public void DataDirectoryLock_is_exclusive_until_released()
    {
        var first = DataDirectoryLock.Acquire(_dir.Path);
        try
        {
            var error = Assert.Throws<StorageException>(() => DataDirectoryLock.Acquire(_dir.Path));
            Assert.Contains("already using the data directory", error.Message);
            Assert.Contains(_dir.Path, error.Message);
            // Still held after the failed attempt.
            Assert.Throws<StorageException>(() => DataDirectoryLock.Acquire(_dir.Path));
        }
        finally
        {
            first.Dispose();
        }

        using var second = DataDirectoryLock.Acquire(_dir.Path);
        // Another directory is independent.
        using var other = new TempDirectory();
        using var third = DataDirectoryLock.Acquire(other.Path);
    }

    [Fact]
    public async Task A_second_listen_on_the_same_data_directory_exits_with_a_clear_message()
    {
        await using var first = CliProcess.Start("listen", "--data-dir", _dir.Path, "--name", "first", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json");
        await first.Stdout.WaitForAsync("\"node_started\"", timeout: TimeSpan.FromSeconds(30));

        var (code, stdout, stderr) = await CliProcess.RunAsync("listen", "--data-dir", _dir.Path, "--name", "second",
            "--port", TestNodes.DeadPort().ToString(), "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json");

        Assert.NotEqual(0, code);
        Assert.Contains("already using the data directory", stderr);
        Assert.DoesNotContain("node_started", stdout);

        // The first one was not disturbed and stops normally.
        Assert.False(first.HasExited);
        first.Terminate();
        Assert.Equal(0, await first.WaitForExitAsync());
        Assert.Equal(1, first.Stdout.Text.Split('\n').Count(l => l.Contains("\"node_started\"")));
        _ = JsonDocument.Parse(first.Stdout.Text.Split('\n')[0]);
    }
}
