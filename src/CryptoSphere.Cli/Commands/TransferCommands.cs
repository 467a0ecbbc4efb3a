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
        var command = new Command("transfers", "File transfers sent and received (accepted ones), newest first, with their state");
        command.Options.Add(dataDir);
        command.Options.Add(limit);
        command.Options.Add(json);
        foreach (var verb in TransferAction.Verbs)
            command.Subcommands.Add(ActionCommand(verb));
        OptionChecks.Positive(limit);
        command.SetAction(result =>
        {
            using var profile = Profile.OpenExisting(result.GetValue(dataDir)!);
            if (profile is null)
                return 2;
            var rows = new TransferStore(profile.Store).Recent(result.GetValue(limit));
            if (result.GetValue(json))
            {
                var array = new JsonArray(rows.Select(t => (JsonNode)new JsonObject
                {
                    ["transferId"] = t.Id.ToString(),
                    ["direction"] = t.IsOutgoing ? "outgoing" : "incoming",
                    ["peerId"] = t.PeerId.ToString(),
                    ["peerName"] = t.PeerName,
                    ["name"] = t.Name,
                    ["path"] = t.Path,
                    ["size"] = t.Size,
                    ["sha256"] = t.Sha256,
                    ["bytes"] = t.Bytes,
                    ["state"] = JsonNamingPolicy.CamelCase.ConvertName(t.State.ToString()),
                    ["error"] = t.Error,
                    ["updated"] = t.Updated.ToString("O"),
                }).ToArray());
                Console.WriteLine(CliJson.Write(array));
                return 0;
            }
            if (rows.Count == 0)
                Console.WriteLine("No transfers.");
            foreach (var t in rows)
                Console.WriteLine($"{t.Updated.ToLocalTime():yyyy-MM-dd HH:mm} {(t.IsOutgoing ? "->" : "<-")} {TerminalText.Safe(t.Name)} " +
                                  $"{(t.IsOutgoing ? "to" : "from")} {TransferText.Who(t)}: {TransferText.Status(t)} [{t.ShortId}] {TerminalText.Safe(t.Path)}");
            return 0;
        });
        return command;
    }

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
