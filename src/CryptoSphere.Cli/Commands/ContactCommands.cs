using System.CommandLine;
using CryptoSphere.Cli.Control;
using System.Text.Json.Nodes;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary><c>id</c>, <c>trust</c>, <c>block</c>, <c>unblock</c> and <c>contacts</c>: the trust store from the command line.</summary>
internal static class ContactCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return IdCommand();
        yield return StateCommand("trust", TrustState.Trusted,
            "Mark a peer ID as trusted (verified): compare the ID with its owner out of band first");
        yield return StateCommand("block", TrustState.Blocked,
            "Block a peer ID: its connections are closed right after the handshake and nothing of it is kept");
        yield return StateCommand("unblock", TrustState.Unknown, "Return a blocked or trusted peer ID to unknown");
        yield return ContactsCommand();
    }

    private static Command IdCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var command = new Command("id", "Print this node's peer ID (created on first use) for others to verify");
        command.Options.Add(dataDir);
        command.SetAction(result =>
        {
            using var identity = Profile.OpenIdentity(result.GetValue(dataDir)!);
            if (identity is null)
                return 2;
            Console.WriteLine(identity.Id);
            return 0;
        });
        return command;
    }

    private static Command StateCommand(string name, TrustState state, string description)
    {
        var dataDir = DataDirectory.CreateOption();
        var idArgument = new Argument<string>("id") { Description = "The peer ID, or a unique prefix of a known one" };
        var command = new Command(name, description);
        command.Options.Add(dataDir);
        command.Arguments.Add(idArgument);
        command.SetAction(async (result, ct) =>
        {
            var request = new JsonObject { ["op"] = name, ["id"] = result.GetValue(idArgument)! };
            if (await ControlClient.TryRunAsync(result.GetValue(dataDir)!, request, ControlClient.Slack, ct) is { } forwarded)
                return forwarded.Print();
            using var profile = Profile.Open(result.GetValue(dataDir)!);
            if (profile is null)
                return 2;
            if (!PeerIdResolver.TryResolve(result.GetValue(idArgument)!, profile.Trust, out var id, out var error)
                || (error = TrustAction.OwnId(id, profile.Identity.Id)) is not null)
            {
                Console.Error.WriteLine($"cryptosphere: {error}");
                return UsageErrors.ExitCode;
            }
            profile.Trust.SetState(id, state, DateTimeOffset.UtcNow);
            // A contact request waiting on disk is settled the same way as from the menu: shown in history, or deleted.
            if (state == TrustState.Trusted)
                profile.Store.ReleaseHeld(id.Value);
            else if (state == TrustState.Blocked)
                profile.Store.DropHeld(id.Value);
            Console.WriteLine($"{id} is now {state.ToString().ToLowerInvariant()}.");
            return 0;
        });
        return command;
    }

    private static Command ContactsCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("contacts", "List every peer ID this node has met, with its trust state");
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.SetAction(result =>
        {
            using var profile = Profile.OpenExisting(result.GetValue(dataDir)!);
            if (profile is null)
                return 2;
            var contacts = profile.Trust.All();
            if (result.GetValue(json))
            {
                var array = new JsonArray(contacts.Select(c => (JsonNode)new JsonObject
                {
                    ["id"] = c.Id.ToString(),
                    ["state"] = c.State.ToString().ToLowerInvariant(),
                    ["name"] = c.Name,
                    ["firstSeen"] = c.FirstSeen.ToString("O"),
                    // null: never met (added by a link, or trusted/blocked by ID before any handshake).
                    ["lastSeen"] = c.NeverSeen ? null : c.LastSeen.ToString("O"),
                    ["lastAddress"] = c.LastAddress,
                }).ToArray());
                Console.WriteLine(CliJson.Write(array));
                return 0;
            }
            Console.WriteLine($"Your ID: {profile.Identity.Id}");
            if (contacts.Count == 0)
                Console.WriteLine("No contacts yet.");
            foreach (var c in contacts)
            {
                var held = profile.Store.HeldFrom(c.Id.Value).Count;
                Console.WriteLine($"{c.Id}  {c.State.ToString().ToLowerInvariant(),-8}  {TerminalText.Safe(c.Name)}  {Seen(c)}" +
                                  (held > 0 ? $"  ({Counted.Of(held, "message")} waiting as a contact request)" : ""));
            }
            return 0;
        });
        return command;
    }

    // A contact no handshake has shown is "never seen", not "last seen" at the time it was added.
    private static string Seen(Contact c) => c.NeverSeen
        ? $"never seen (added {c.FirstSeen.ToLocalTime():yyyy-MM-dd HH:mm})" + (c.LastAddress is null ? "" : $", address {TerminalText.Safe(c.LastAddress)}")
        : $"last seen {c.LastSeen.ToLocalTime():yyyy-MM-dd HH:mm} at {TerminalText.Safe(c.LastAddress ?? "?")}";
}
