using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// Every command with bad input, as a user mistypes it: one short line on stderr, exit code 2, no stack
/// trace, no help text, and nothing created or changed.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string Data = "{data}", Missing = "{missing}", AFile = "{file}", Folder = "{folder}", OwnId = "{own-id}", OwnIdTypo = "{own-id-typo}";

    private readonly TempDirectory _temp = new();

    private string DataDir => _temp.Combine("data");

    private string _ownId = "";

    public async Task InitializeAsync()
    {
        var id = await CliProcess.RunAsync("id", "--data-dir", DataDir);
        Assert.Equal(0, id.ExitCode);
        _ownId = id.Stdout.Trim();
        Assert.Equal(0, (await CliProcess.RunAsync("group", "create", "--data-dir", DataDir, "lab")).ExitCode);
        await File.WriteAllTextAsync(_temp.Combine("a-file"), "not a folder");
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }

    public static TheoryData<string[], string> Cases() => new()
    {
        { ["export", "--data-dir", Data, "--out", "/no/such/dir/x.json"], "there is no folder /no/such/dir" },
        { ["export", "--data-dir", Data, "--out", Folder], "is a folder" },
        { ["export", "--data-dir", Data, "--out", ""], "--out needs a file, not an empty value" },
        { ["export", "--data-dir", Data, "--out", " "], "--out needs a file, not an empty value" },
        { ["export", "--data-dir", Data, "--format", "pdf"], "pdf" },
        { ["group", "create", "--data-dir", Data, ""], "a group needs a name" },
        { ["group", "create", "--data-dir", Data, "   "], "a group needs a name" },
        { ["group", "create", "--data-dir", Data, new string('g', 256)], "a group name is at most 255 bytes of UTF-8 (this one is 256)" },
        { ["group", "create", "--data-dir", Data, "lab\u001b[31mred"], "a group name cannot contain control characters" },
        { ["group", "send", "--data-dir", Data, "lab", ""], "an empty message is not sent" },
        { ["group", "send", "--data-dir", Data, "nope", "hi"], "no group is called" },
        { ["group", "add", "--data-dir", Data, "lab", "QQQQ"], "no known peer ID starts with 'QQQQ'" },
        { ["group", "leave", "--data-dir", Data, ""], "no group given" },
        { ["group"], "'cryptosphere group' needs a subcommand" },
        { ["history", "--data-dir", Data, "--before", "abc"], "--before needs a whole number, not 'abc'" },
        { ["history", "--data-dir", Data, "--limit", "0"], "--limit must be a positive number" },
        { ["history", "--data-dir", Data, "ZZZZZZZ"], "unknown peer 'ZZZZZZZ'" },
        { ["history", "--data-dir", AFile], "is a file" },
        { ["history", "--data-dir", Missing], "no data directory at" },
        { ["search", "--data-dir", Missing, "word"], "no data directory at" },
        { ["outbox", "--data-dir", Missing], "no data directory at" },
        { ["contacts", "--data-dir", Missing], "no data directory at" },
        { ["export", "--data-dir", Missing], "no data directory at" },
        { ["transfers", "--data-dir", Missing], "no data directory at" },
        { ["group", "list", "--data-dir", Missing], "no data directory at" },
        { ["mailbox", "status", "--data-dir", Missing], "no data directory at" },
        { ["mailbox", "stop-using", "--data-dir", Missing, "QQQQ"], "no data directory at" },
        { ["mailbox", "stop-serving", "--data-dir", Missing, "QQQQ"], "no data directory at" },
        // A grant is checked against no contacts rather than starting a data directory to refuse it.
        { ["mailbox", "use", "--data-dir", Missing, "QQQQ"], "no known peer ID starts with 'QQQQ'" },
        { ["mailbox", "serve", "--data-dir", Missing, "QQQQ"], "no known peer ID starts with 'QQQQ'" },
        { ["mailbox", "serve", "--data-dir", Data, "QQQQ"], "no known peer ID starts with 'QQQQ'" },
        { ["transfers", "--data-dir", Data, "--limit", "0"], "--limit must be a positive number" },
        { ["search", "--data-dir", Data, "--limit", "0", "word"], "--limit must be a positive number" },
        { ["search", "--data-dir", Data, "--limit", "-1", "word"], "--limit must be a positive number" },
        { ["trust", "--data-dir", Data, "ABCDEFG"], "no known peer ID starts with 'ABCDEFG'" },
        { ["block", "--data-dir", Data, "ABCDEFG"], "no known peer ID starts with 'ABCDEFG'" },
        { ["unblock", "--data-dir", Data], "'cryptosphere unblock' is missing an argument" },
        { ["id", "--data-dir", AFile], "is a file" },
        { ["group", "remove", "--data-dir", Data, "lab", "QQQQ"], "no known peer ID starts with 'QQQQ'" },
        { ["search", "--data-dir", Data], "'cryptosphere search' is missing an argument" },
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "4000", ""], "an empty message is not sent" },
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "4000", " \n "], "an empty message is not sent" },
        { ["send", "--data-dir", Data, "--to", "nobody", "--name", "a", "--from-port", "4000", "hi"], "invalid --to" },
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "80", "hi"], "port 80 is outside" },
        // A HOST:PORT with a port no node may listen on is refused for its port, not as "neither HOST:PORT nor a peer ID".
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:1", "--name", "a", "--from-port", "4000", "hi"], "port 1 is outside 1024-65535" },
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:5000", "hi"], "--name" },
        { ["send-file", "--data-dir", Data, "--to", "nobody", "--name", "a", "--from-port", "4000", "/etc/hostname"], "invalid --to" },
        { ["listen", "--data-dir", Data, "--name", "x", "--port", "abc"], "not a port number" },
        { ["listen", "--data-dir", AFile, "--name", "x", "--port", "5000"], "is a file" },
        { ["listen", "--data-dir", Data, "--name", "x", "--port", "5000", "--stranger-rate", "-1"], "--stranger-rate must be 0 (unpaced) or a positive number" },
        { ["web", "--data-dir", Data, "--web-bind", "nonsense"], "--web-bind" },
        { ["--data-dir", Data, "--port", "70000"], "port 70000 is outside" },
        { ["mailbag", "--help"], "unknown command or argument 'mailbag'" },
        { ["mailbag"], "unknown command or argument 'mailbag'" },
        { ["outbox", "--data-dir", Data, "--nonsense"], "unknown command or argument '--nonsense'" },
        { ["send-file", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "4000", "/no/such/file"], "no such file: /no/such/file" },
        { ["send-file", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "4000", Folder], "is a folder; only single files can be sent" },
        { ["send-file", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "4000", "--as", "", AFile], "--as: the file name must be 1 to 1024 bytes" },
        // A file as the downloads folder: refused at start, not a node whose every accepted transfer fails.
        { ["listen", "--data-dir", Data, "--name", "x", "--port", "5000", "--downloads", AFile], "is a file; give a folder" },
        { ["web", "--data-dir", Data, "--name", "x", "--port", "5000", "--downloads", AFile], "is a file; give a folder" },
        { ["--data-dir", Data, "--name", "x", "--port", "5000", "--downloads", AFile], "is a file; give a folder" },
        { ["listen", "--data-dir", Data, "--name", "x", "--port", "5000", "--downloads", ""], "--downloads needs a folder, not an empty value" },
        // A validator that asked for the value of a text that is no number threw (a stack trace, exit 134).
        { ["history", "--data-dir", Data, "--limit", "abc"], "--limit needs a whole number up to 2147483647, not 'abc'" },
        { ["history", "--data-dir", Data, "--limit", "99999999999"], "--limit needs a whole number up to 2147483647, not '99999999999'" },
        { ["transfers", "--data-dir", Data, "--limit", "abc"], "--limit needs a whole number up to 2147483647, not 'abc'" },
        { ["listen", "--data-dir", Data, "--name", "x", "--port", "5000", "--max-connections", "abc"], "--max-connections needs a whole number" },
        { ["listen", "--data-dir", Data, "--name", "x", "--port", "5000", "--max-message-age", "soon"], "--max-message-age needs a number, not 'soon'" },
        { ["listen", "--data-dir", Data, "--name", "x", "--port", "5000", "--stranger-rate", "many"], "--stranger-rate needs a whole number" },
        { ["--data-dir", Data, "--name", "x", "--port", "5000", "--backlog", "abc"], "--backlog needs a whole number" },
        { ["listen", "--data-dir", Data, "--name", "x", "--port", "5000", "--advertise-ip", "notanip"], "--advertise-ip must be an IP address" },
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "4000", "--timeout", "-5", "hi"], "--timeout must be a positive number" },
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "4000", "--timeout", "0", "hi"], "--timeout must be a positive number" },
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:5000", "--name", "a", "--from-port", "4000", "--advertise-ip", "nope", "hi"], "--advertise-ip must be an IP address" },
        { ["trust", "--data-dir", Data, OwnId], "is this node's own ID" },
        { ["block", "--data-dir", Data, OwnId], "is this node's own ID" },
        // Queued, these made the node dial itself on every retry, for ever.
        { ["send", "--data-dir", Data, "--to", OwnId, "--name", "a", "--from-port", "4000", "hi"], "is this node's own ID: send to another peer" },
        { ["send", "--data-dir", Data, "--to", "127.0.0.1:4000", "--name", "a", "--from-port", "4000", "hi"], "127.0.0.1:4000 is this node's own address" },
        { ["trust", "--data-dir", Data, OwnIdTypo], "is not a peer ID: its last character must be A or Q" },
        { ["history", "--data-dir", ""], "--data-dir needs a folder, not an empty value" },
        { ["id", "--data-dir", " "], "--data-dir needs a folder, not an empty value" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_command_line_gets_one_line_and_exit_code_2(string[] args, string expected)
    {
        var missing = _temp.Combine("mistyped");
        var resolved = args.Select(a => a switch
        {
            Data => DataDir,
            Missing => missing,
            AFile => _temp.Combine("a-file"),
            Folder => _temp.Path,
            OwnId => _ownId,
            // The last character moved by one: a typo of a spare bit (only A and Q end an ID).
            OwnIdTypo => _ownId[..^1] + (_ownId[^1] == 'A' ? 'B' : 'R'),
            _ => a,
        }).ToArray();
        var before = Snapshot();

        var (code, stdout, stderr) = await CliProcess.RunAsync(resolved);

        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.StartsWith("cryptosphere: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.Equal(2, code);
        Assert.DoesNotContain("Usage:", stdout + stderr);
        Assert.Equal("", stdout.Trim());
        Assert.False(Directory.Exists(missing), "a read-only command created the data directory it was given");
        Assert.Equal(before, Snapshot());
    }

    // What the data directory holds: names and sizes. A refused command changes none of it.
    private string Snapshot() => string.Join('\n', Directory.EnumerateFileSystemEntries(_temp.Path, "*", SearchOption.AllDirectories)
        .Where(p => !p.EndsWith("-wal", StringComparison.Ordinal) && !p.EndsWith("-shm", StringComparison.Ordinal))
        .Order().Select(p => File.Exists(p) ? $"{p} {new FileInfo(p).Length}" : p));
}
