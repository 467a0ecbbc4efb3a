using System.CommandLine;
using System.Text.Json.Nodes;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Commands;

/// <summary><c>history</c>, <c>search</c>, <c>outbox</c> and <c>export</c>: reading the database.</summary>
internal static class HistoryCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return History();
        yield return Search();
        yield return Outbox();
        yield return Export();
    }

    private static Command History()
    {
        var dataDir = DataDirectory.CreateOption();
        var peer = new Argument<string?>("peer") { Description = "Peer ID (or unique prefix), group name or ID, HOST:PORT, or a conversation as --json names it (legacy:HOST:PORT: an old peer's, at an address a CryptoSphere node now has); all conversations when left out", Arity = ArgumentArity.ZeroOrOne };
        var limit = new Option<int>("--limit") { Description = "How many of the latest messages", DefaultValueFactory = _ => 50 };
        var before = new Option<long?>("--before") { Description = "Page back: only messages before this sequence number (#N)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("history", "Show stored messages, oldest first, with the delivery state of your own");
        command.Options.Add(dataDir);
        command.Options.Add(limit);
        command.Options.Add(before);
        command.Options.Add(json);
        command.Arguments.Add(peer);
        OptionChecks.Positive(limit);
        command.SetAction(result => WithStore(result.GetValue(dataDir)!, store =>
        {
            string? conversation = null;
            if (result.GetValue(peer) is { } wanted &&
                !ConversationResolver.TryResolve(wanted, new Core.Trust.TrustStore(store), out conversation, out var error))
                return Fail($"unknown peer '{wanted}': {error}");
            var messages = store.History(conversation, result.GetValue(limit), result.GetValue(before));
            Print(messages, result.GetValue(json), "No messages.", store);
            if (!result.GetValue(json) && messages.Count == result.GetValue(limit))
                Console.WriteLine($"(older: --before {messages[0].Sequence})");
            return 0;
        }));
        return command;
    }

    private static Command Search()
    {
        var dataDir = DataDirectory.CreateOption();
        var text = new Argument<string>("text") { Description = "Words to find (whole words, any case; all must appear)" };
        var limit = new Option<int>("--limit") { Description = "Most results", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("search", "Full-text search over every stored message, newest first");
        command.Options.Add(dataDir);
        command.Options.Add(limit);
        command.Options.Add(json);
        command.Arguments.Add(text);
        // As history: 0 found nothing and said "Nothing found." though messages matched, and a negative count meant all.
        OptionChecks.Positive(limit);
        command.SetAction(result => WithStore(result.GetValue(dataDir)!, store =>
        {
            Print(store.Search(result.GetValue(text)!, result.GetValue(limit)), result.GetValue(json), "Nothing found.", store);
            return 0;
        }));
        return command;
    }

    private static Command Outbox()
    {
        var dataDir = DataDirectory.CreateOption();
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("outbox", "Messages still waiting for their peer (queued, or sent and not yet acknowledged)");
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.SetAction(result => WithProfile(result.GetValue(dataDir)!, profile =>
        {
            var store = profile.Store;
            var rows = store.Outbox();
            using var mailboxes = MailboxCommands.OpenIfUsed(profile);
            if (result.GetValue(json))
            {
                Console.WriteLine(CliJson.Write(new JsonArray(rows.Select(r =>
                {
                    var o = MessageJson.ToJson(r.Message);
                    o["nextAttempt"] = r.NextAttempt.ToString("O");
                    o["heldBy"] = new JsonArray(HeldBy(mailboxes, r.Message.Id, r.Target).Select(m => (JsonNode)JsonValue.Create(m.ToString())!).ToArray());
                    return (JsonNode)o;
                }).ToArray())));
                return 0;
            }
            if (rows.Count == 0)
                Console.WriteLine("The outbox is empty.");
            var groups = MessageText.GroupNames(store);
            foreach (var (message, target, next) in rows)
            {
                var held = HeldBy(mailboxes, message.Id, target);
                var where = held.Count == 0 ? "" : "; held by mailbox " + string.Join(", ", held.Select(m => MailboxText.Name(m, profile.Trust)));
                Console.WriteLine($"{MessageText.Line(message, groups)}  (tries: {message.Attempts}, next {next.ToLocalTime():HH:mm:ss}{where})");
            }
            return 0;
        }));
        return command;
    }

    private static Command Export()
    {
        var dataDir = DataDirectory.CreateOption();
        var format = new Option<string>("--format") { Description = "json or markdown", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "markdown");
        var output = new Option<string?>("--out") { Description = "File to write (default: standard output); never overwritten" };
        // As --data-dir: an empty value (an unset variable in a script) would otherwise reach .NET's own sentence.
        OptionChecks.Require(output, v => !string.IsNullOrWhiteSpace(v), "--out needs a file, not an empty value");
        var command = new Command("export", "Write every stored message to a file, as JSON or Markdown");
        command.Options.Add(dataDir);
        command.Options.Add(format);
        command.Options.Add(output);
        command.SetAction(result =>
        {
            var path = result.GetValue(output);
            if (path is not null && ExportTarget.Problem(path) is { } problem)
                return Fail(problem);
            return WithStore(result.GetValue(dataDir)!, store => ExportTo(path, result.GetValue(format)!, store));
        });
        return command;
    }

    private static int ExportTo(string? path, string format, ChatStore store)
    {
        StreamWriter? file;
        try
        {
            // The decrypted history: the owner's only, as the database it comes from.
            file = path is null ? null : new StreamWriter(OwnerOnly.Open(path, FileMode.CreateNew, FileAccess.Write));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot write {path}: {e.Message}");
        }
        using (file)
        {
            var writer = file ?? Console.Out;
            var count = format == "markdown" ? MessageExport.Markdown(store, writer) : MessageExport.Json(store, writer);
            if (path is not null)
                Console.Error.WriteLine($"Exported {Counted.Of(count, "message")} to {path}.");
            return 0;
        }
    }

    private static void Print(IReadOnlyList<StoredMessage> messages, bool json, string none, ChatStore store)
    {
        if (json)
        {
            Console.WriteLine(CliJson.Write(new JsonArray(messages.Select(m => (JsonNode)MessageJson.ToJson(m)).ToArray())));
            return;
        }
        if (messages.Count == 0)
            Console.WriteLine(none);
        var groups = MessageText.GroupNames(store);
        foreach (var m in messages)
            Console.WriteLine(MessageText.Line(m, groups));
    }

    // The mailboxes holding a sealed copy of the message for the outbox row's recipient (none for old-protocol peers).
    private static IReadOnlyList<Core.Identity.PeerId> HeldBy(Core.Mailbox.MailboxStore? mailboxes, Guid message, string target) =>
        mailboxes is not null && Core.Conversations.ConversationId.TryParse(target, out var conversation) && conversation.PeerId is { } recipient
            ? mailboxes.HeldBy(message, recipient)
            : [];

    private static int WithStore(string dataDir, Func<ChatStore, int> work) => WithProfile(dataDir, profile => work(profile.Store));

    private static int WithProfile(string dataDir, Func<Profile, int> work)
    {
        using var profile = Profile.OpenExisting(dataDir);
        if (profile is null)
            return 2;
        try
        {
            return work(profile);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // A database whose header is fine can still be damaged inside; reading it fails only now.
            Console.Error.WriteLine($"cryptosphere: {profile.Store.Explain(e).Message}");
            return 2;
        }
    }

    private static int Fail(string error)
    {
        Console.Error.WriteLine($"cryptosphere: {error}");
        return UsageErrors.ExitCode;
    }
}
