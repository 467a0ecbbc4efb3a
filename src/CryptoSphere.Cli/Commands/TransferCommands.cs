using System.CommandLine;
using CryptoSphere.Cli.Control;
using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Files;

namespace CryptoSphere.Cli.Commands;

/// <summary><c>transfers</c>: file transfers recorded in the database, newest first.</summary>
internal static class TransferCommands
{
    public static Command Create()
    {
        var dataDir = DataDirectory.CreateOption();
        var limit = new Option<int>("--limit") { Description = "How many of the latest transfers", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("transfers", "File transfers sent and received, newest first, with their state; with a node running, also the offers waiting for your answer");
        command.Options.Add(dataDir);
        command.Options.Add(limit);
        command.Options.Add(json);
        foreach (var verb in TransferAction.Verbs)
            command.Subcommands.Add(ActionCommand(verb));
        OptionChecks.Positive(limit);
        command.SetAction(async (result, ct) =>
        {
            var directory = result.GetValue(dataDir)!;
            // Offers waiting for an answer live in the running node's memory until accepted: it is asked for them, since
            // `transfers accept` needs their IDs.
            var asked = await ControlClient.TryRunAsync(directory, new JsonObject { ["op"] = "offers" }, ControlClient.Slack, ct);
            using var profile = Profile.OpenExisting(directory);
            if (profile is null)
                return 2;
            var stored = new TransferStore(profile.Store).Recent(result.GetValue(limit));
            // The offers first, as the newest; --limit counts them too.
            var waiting = Offers(asked).Where(o => stored.All(t => t.Id != o.Id)).Take(result.GetValue(limit)).ToList();
            stored = stored.Take(result.GetValue(limit) - waiting.Count).ToList();
            if (result.GetValue(json))
            {
                Console.WriteLine(CliJson.Write(new JsonArray(waiting.Concat(stored).Select(t => (JsonNode)TransferJson.Write(t)).ToArray())));
                return 0;
            }
            if (waiting.Count + stored.Count == 0)
                Console.WriteLine("No transfers.");
            foreach (var t in waiting)
                Console.WriteLine($"{t.Updated.ToLocalTime():yyyy-MM-dd HH:mm} <- {TerminalText.Safe(t.Name)} from {TransferText.Who(t)}: " +
                                  $"offered ({Sizes.Describe(t.Size)}), waiting for your answer: transfers accept|decline {t.ShortId}");
            foreach (var t in stored)
                Console.WriteLine($"{t.Updated.ToLocalTime():yyyy-MM-dd HH:mm} {(t.IsOutgoing ? "->" : "<-")} {TerminalText.Safe(t.Name)} " +
                                  $"{(t.IsOutgoing ? "to" : "from")} {TransferText.Who(t)}: {TransferText.Status(t)} [{t.ShortId}]" +
                                  // A declined, cancelled or failed download left no file: no path to point at.
                                  (t.IsOutgoing || File.Exists(t.Path) ? $" {TerminalText.Safe(t.Path)}" : ""));
            return 0;
        });
        return command;
    }

    // What the running node answered to "offers": none when no node runs (or it could not say).
    private static IEnumerable<TransferInfo> Offers(CommandOutcome? asked)
    {
        if (asked is not { Exit: 0 })
            return [];
        try
        {
            return JsonNode.Parse(asked.Out) is JsonArray offers ? offers.Select(TransferJson.Read).OfType<TransferInfo>().ToList() : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>The running node's side: incoming offers nobody has answered yet, as <c>transfers --json</c> prints them.</summary>
    public static CommandOutcome OffersOf(Core.Node.ChatNode node) => new CommandOutcome().Say(CliJson.Write(new JsonArray(node.Transfers
        .Where(t => !t.IsOutgoing && t.State == TransferState.Offered).Select(t => (JsonNode)TransferJson.Write(t)).ToArray())));

    // Accepting, declining and cancelling need the connection to the peer, which only the running node has.
    private static Command ActionCommand(string verb)
    {
        var dataDir = DataDirectory.CreateOption();
        var id = new Argument<string>("id") { Description = "The transfer's ID, or its first characters as `transfers` shows them" };
        var command = new Command(verb, $"{char.ToUpperInvariant(verb[0])}{verb[1..]} a file transfer on the node that runs on this data directory");
        command.Options.Add(dataDir);
        command.Arguments.Add(id);
        command.SetAction(async (result, ct) =>
        {
            var directory = result.GetValue(dataDir)!;
            var request = new JsonObject { ["op"] = "transfer", ["verb"] = verb, ["id"] = result.GetValue(id)! };
            if (await ControlClient.TryRunAsync(directory, request, ControlClient.Slack, ct) is { } forwarded)
                return forwarded.Print();
            await Console.Error.WriteLineAsync($"cryptosphere: no node is running on {directory}; {verb} needs one " +
                                               "(start `cryptosphere listen` or the menu there, and try again)");
            return 1;
        });
        return command;
    }
}
