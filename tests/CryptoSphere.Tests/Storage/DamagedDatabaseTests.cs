using System.Text.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// Issue 13 item 6: a chat.db damaged inside (bytes overwritten in its pages, as a disk or a careless tool does)
/// stops the node with one clear line, at open (quick_check) or whenever a read or write first meets the damage.
/// </summary>
public sealed class DamagedDatabaseTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.Combine(ChatStore.FileName);

    // Enough rows for the messages table to span many pages, so the middle of the file is table data.
    private void FillHistory(int count = 2000)
    {
        using var store = ChatStore.Open(_dir.Path);
        for (var i = 0; i < count; i++)
        {
            store.AppendOutgoing(new StoredMessage(Guid.CreateVersion7(), "peer:X", true, null, "127.0.0.1:4000", "bob",
                $"message number {i} with some padding so that the table fills a good number of pages", PeerProtocol.Secure, T0, T0,
                MessageState.Queued), "peer:X", T0);
        }
        // Nothing waits to be sent: a node would otherwise rewrite message rows at once, and read them from its WAL.
        store.Locked(db => ChatStore.Execute(db, "DELETE FROM outbox"));
    }

    private static int PageSize(string path)
    {
        using var raw = Raw(path);
        return Convert.ToInt32(ChatStore.Scalar(raw, "PRAGMA page_size"));
    }

    private static SqliteConnection Raw(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        return db;
    }

    private static void Overwrite(string path, long offset, int length)
    {
        var garbage = new byte[length];
        new Random(7).NextBytes(garbage);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.Position = offset;
        file.Write(garbage);
    }

    // Three pages in the middle of the file: the header and the schema page stay valid, so the file still opens.
    private void DamageMidFile()
    {
        var pageSize = PageSize(DbPath);
        var pages = new FileInfo(DbPath).Length / pageSize;
        Assert.True(pages > 20, $"only {pages} pages");
        Overwrite(DbPath, pages / 2 * pageSize, 3 * pageSize);
    }

    // The root pages of the messages table and its indexes: the next read or write of a message meets garbage.
    private static void DamageMessagesTable(string path)
    {
        var pageSize = PageSize(path);
        List<long> roots;
        using (var raw = Raw(path))
        {
            using var command = raw.CreateCommand();
            command.CommandText = "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'messages' AND rootpage > 0";
            using var reader = command.ExecuteReader();
            roots = [];
            while (reader.Read())
                roots.Add(reader.GetInt64(0));
        }
        foreach (var root in roots)
            Overwrite(path, (root - 1) * pageSize, pageSize);
        // A commit by another connection makes the node's connection drop its page cache, as a checkpoint would:
        // its next read of the messages table comes from the damaged file.
        using var other = Raw(path);
        ChatStore.Execute(other, "INSERT INTO conversations(id, title, last_activity) VALUES ('peer:cache-buster', '', 0)");
    }

    [Fact]
    public void Opening_a_database_damaged_mid_file_is_refused_by_quick_check_and_leaves_it_untouched()
    {
        FillHistory();
        DamageMidFile();
        var before = File.ReadAllBytes(DbPath);

        var error = Assert.Throws<StorageException>(() => ChatStore.Open(_dir.Path));

        Assert.Contains(DbPath, error.Message);
        Assert.Contains("damaged", error.Message);
        Assert.Contains("restore it from a backup", error.Message);
        Assert.Equal(before, File.ReadAllBytes(DbPath));
    }

    [Fact]
    public async Task Listen_and_export_on_a_database_damaged_mid_file_exit_2_with_one_line()
    {
        FillHistory();
        DamageMidFile();

        var (listenCode, listenOut, listenErr) = await CliProcess.RunAsync("listen", "--data-dir", _dir.Path, "--name", "x",
            "--port", TestNodes.DeadPort().ToString(), "--bind", "127.0.0.1");
        // A one-off command skips quick_check; export reads every message, so it meets the damage.
        var (historyCode, _, historyErr) = await CliProcess.RunAsync("export", "--data-dir", _dir.Path);

        foreach (var (code, stderr) in new[] { (listenCode, listenErr), (historyCode, historyErr) })
        {
            Assert.Equal(2, code);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("cryptosphere: the database " + DbPath + " is damaged", line);
            Assert.Contains("restore it from a backup", line);
        }
        Assert.DoesNotContain("Listening", listenOut);
    }

    [Fact]
    public async Task Listen_on_a_damaged_mailbox_database_exits_2_with_one_line_as_for_chat_db()
    {
        // Found from outside: a truncated mailbox.db gave SQLite's own words and exit 1, a damaged chat.db this.
        FillHistory();
        var mailbox = Path.Combine(_dir.Path, "mailbox.db");
        await File.WriteAllBytesAsync(mailbox, Enumerable.Repeat((byte)'x', 4096).ToArray());
        var before = await File.ReadAllBytesAsync(mailbox);

        var (code, stdout, stderr) = await CliProcess.RunAsync("listen", "--data-dir", _dir.Path, "--name", "x",
            "--port", TestNodes.DeadPort().ToString(), "--bind", "127.0.0.1");

        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"cryptosphere: the mailbox database {mailbox} is damaged", line);
        Assert.Contains("restore it from a backup", line);
        Assert.DoesNotContain("Listening", stdout);
        Assert.Equal(before, await File.ReadAllBytesAsync(mailbox));
    }

    [Fact]
    public async Task A_node_whose_database_is_damaged_while_it_runs_reports_it_once_and_stops()
    {
        FillHistory(500);
        using var store = ChatStore.Open(_dir.Path);
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("damaged", events, store: store);

        DamageMessagesTable(DbPath);
        Assert.Throws<SqliteException>(() => node.Store.History(null, 10));

        var failed = await events.WaitFor<NodeFailed>(_ => true, Patience);
        await events.WaitFor<NodeStopped>(_ => true, Patience);
        Assert.Contains(DbPath, failed.Reason);
        Assert.Contains("the node stopped", failed.Reason);
        var damage = store.Damage;
        Assert.NotNull(damage);
        // Later failures are not reported again.
        Assert.Throws<SqliteException>(() => node.Store.History(null, 10));
        Assert.Same(damage, store.Damage);
        Assert.Single(events.Events.OfType<NodeFailed>());
    }

    [Fact]
    public async Task Listen_stops_with_one_line_and_exit_1_when_a_received_message_meets_damage()
    {
        FillHistory(500);
        await using var listen = CliProcess.Start("listen", "--data-dir", _dir.Path, "--name", "victim", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json");
        var started = await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience);
        var port = JsonDocument.Parse(started.Split('\n').First(l => l.Contains("\"node_started\""))).RootElement.GetProperty("port").GetInt32();

        DamageMessagesTable(DbPath);
        await using var sender = await TestNodes.StartAsync("sender");
        await sender.SendAsync(new PeerKey("127.0.0.1", port), "this one meets the damage");

        Assert.Equal(ShutdownExitCode, await listen.WaitForExitAsync(Patience));
        var errors = listen.Stderr.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(errors);
        Assert.StartsWith("cryptosphere: the database " + DbPath + " is damaged", line);
        Assert.Contains("the node stopped", line);
        Assert.Contains("\"node_failed\"", listen.Stdout.Text);
    }

    private const int ShutdownExitCode = 1;
}
