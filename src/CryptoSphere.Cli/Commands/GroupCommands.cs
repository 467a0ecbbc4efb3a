using System.CommandLine;
using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Conversations;
using System.Text.Json.Nodes;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>group create|add|remove|leave|send|list</c>. Changes are stored at once; a node running on the same
/// data directory tells the members (or this command does, for <c>send</c>).
/// </summary>
internal static class GroupCommands
{
    public static Command Create()
    {
        var group = new Command("group", "Group chat: create a group, manage its members (admin only), send, list, show");
        group.Subcommands.Add(CreateCommand());
        group.Subcommands.Add(MemberCommand("add", removed: false, "Add a peer ID to a group you administer"));
        group.Subcommands.Add(MemberCommand("remove", removed: true, "Remove a peer ID from a group you administer; it receives nothing sent afterwards"));
        group.Subcommands.Add(LeaveCommand());
        group.Subcommands.Add(SendCommand());
        group.Subcommands.Add(ListCommand());
        group.Subcommands.Add(ShowCommand());
        return group;
    }

    private static Command CreateCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var name = new Argument<string>("name") { Description = "The group's name" };
        var command = new Command("create", "Create a group; you are its admin");
        command.Options.Add(dataDir);
        command.Arguments.Add(name);
        command.SetAction(result => WithNode(result.GetValue(dataDir)!, async node =>
        {
            var created = node.CreateGroup(result.GetValue(name)!);
            if (created.Value is not { } group)
                return Fail(TerminalText.Safe(created.Error) + (created.Failure == GroupFailure.Invalid && string.IsNullOrWhiteSpace(result.GetValue(name)) ? "; give one, e.g. group create team" : ""));
            Console.WriteLine($"Created group {TerminalText.Safe(group.Name)} ({group.Id}). Add members with: group add {group.Id} PEER_ID");
            return await Task.FromResult(0);
        }, create: true));
        return command;
    }

    private static Command MemberCommand(string verb, bool removed, string description)
    {
        var dataDir = DataDirectory.CreateOption();
        var groupArgument = new Argument<string>("group") { Description = "Group ID, unique ID prefix, or name" };
        var member = new Argument<string>("id") { Description = "The member's peer ID, or a unique prefix of a known peer's or of a member's" };
        var command = new Command(verb, description);
        command.Options.Add(dataDir);
        command.Arguments.Add(groupArgument);
        command.Arguments.Add(member);
        command.SetAction(result => WithNode(result.GetValue(dataDir)!, async node =>
        {
            if (GroupResolver.Resolve(result.GetValue(groupArgument)!, node.Store, out var error) is not { } target)
                return Fail(error);
            if (!Recipients.TryResolveMember(result.GetValue(member)!, target, node.Trust, out var id, out error))
                return Fail(error);
            var changed = removed ? await node.RemoveMemberAsync(target.Id, id) : await node.AddMemberAsync(target.Id, id);
            if (changed.Value is not { } group)
                return Fail(TerminalText.Safe(changed.Error));
            var who = TerminalText.Safe(MemberNames.Of(id, node.Identity.Id, node.Trust));
            Console.WriteLine(changed.Unchanged
                ? $"{who} is {(removed ? "not" : "already")} a member of {TerminalText.Safe(group.Name)}; nothing changed (still version {group.Version})."
                : $"{(removed ? "Removed" : "Added")} {who} {(removed ? "from" : "to")} {TerminalText.Safe(group.Name)} (version {group.Version}); " +
                  "members are told when your node is connected to them.");
            return 0;
        }));
        return command;
    }

    private static Command LeaveCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var groupArgument = new Argument<string>("group") { Description = "Group ID, unique ID prefix, or name" };
        var command = new Command("leave", "Stop taking part in a group (its history stays)");
        command.Options.Add(dataDir);
        command.Arguments.Add(groupArgument);
        command.SetAction(result => WithNode(result.GetValue(dataDir)!, async node =>
        {
            if (GroupResolver.Resolve(result.GetValue(groupArgument)!, node.Store, out var error) is not { } target)
                return Fail(error);
            var left = node.LeaveGroup(target.Id);
            if (!left.Success)
                return Fail(TerminalText.Safe(left.Error));
            Console.WriteLine(Left(left, target.Name));
            return await Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>What a successful leave says, here and in the menu: a second leave changed nothing, as a second add.</summary>
    public static string Left(GroupResult<Group> left, string name) => left.Unchanged
        ? $"You are not a member of {TerminalText.Safe(name)}; nothing changed."
        : $"You left {TerminalText.Safe(name)}.";

    private static Command SendCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var groupArgument = new Argument<string>("group") { Description = "Group ID, unique ID prefix, or name" };
        var text = MessageInput.CreateArgument("The message");
        var name = new Option<string>("--name", "-n") { Description = "Your display name", DefaultValueFactory = _ => Environment.UserName };
        var fromPort = new Option<int?>("--from-port") { Description = "The port your node listens on", CustomParser = NodeSettings.ParsePort };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for members' acknowledgements", DefaultValueFactory = _ => 5 };
        var command = new Command("send", "Send a message to every member; offline members get it from the outbox later");
        foreach (var option in new Option[] { dataDir, name, fromPort, wait })
            command.Options.Add(option);
        OptionChecks.DisplayName(name);
        command.Arguments.Add(groupArgument);
        command.Arguments.Add(text);
        command.SetAction(async (result, ct) =>
        {
            if (!MessageInput.TryGet(result.GetValue(text), Console.In, Console.IsInputRedirected, out var message, out var refused))
                return Fail(refused);
            var wanted = result.GetValue(groupArgument)!;
            var seconds = TimeSpan.FromSeconds(Math.Max(1, result.GetValue(wait)));
            var request = new JsonObject { ["op"] = "group-send", ["group"] = wanted, ["text"] = message, ["wait"] = (int)seconds.TotalSeconds };
            if (await ControlClient.TryRunAsync(result.GetValue(dataDir)!, request, seconds + ControlClient.Slack, ct) is { } forwarded)
                return forwarded.Print();
            return await WithNode(result.GetValue(dataDir)!,
                async node => (await GroupSendAction.RunAsync(node, wanted, message, seconds, ct)).Print(),
                result.GetValue(name), result.GetValue(fromPort));
        });
        return command;
    }

    private static Command ListCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("list", "List your groups with their members");
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.SetAction(result => WithNode(result.GetValue(dataDir)!, async node =>
        {
            var groups = node.Groups;
            if (result.GetValue(json))
                Console.WriteLine(CliJson.Write(new JsonArray(groups.Select(g => (JsonNode)ToJson(g, node)).ToArray())));
            else if (groups.Count == 0)
                Console.WriteLine("No groups.");
            else
                foreach (var g in groups)
                    Console.WriteLine($"{TerminalText.Safe(g.Name)} {g.Id} v{g.Version}{(g.Admin == node.Identity.Id ? " (you are admin)" : "")}{(g.IsMember ? "" : " (left)")}: " +
                                      TerminalText.Safe(string.Join(", ", MemberNames.List(g, node.Identity.Id, node.Trust))));
            return await Task.FromResult(0);
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var groupArgument = new Argument<string>("group") { Description = "Group ID, unique ID prefix, or name" };
        var json = new Option<bool>("--json") { Description = "Print a JSON object" };
        var command = new Command("show", "One group: its admin, version, and members by name with their IDs");
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.Arguments.Add(groupArgument);
        command.SetAction(result => WithNode(result.GetValue(dataDir)!, async node =>
        {
            if (GroupResolver.Resolve(result.GetValue(groupArgument)!, node.Store, out var error) is not { } g)
                return Fail(error);
            if (result.GetValue(json))
            {
                Console.WriteLine(CliJson.Write(ToJson(g, node)));
                return 0;
            }
            var me = node.Identity.Id;
            Console.WriteLine($"{TerminalText.Safe(g.Name)} ({g.Id}), version {g.Version}, admin {TerminalText.Safe(MemberNames.Of(g.Admin, me, node.Trust))}" +
                              (g.IsMember ? "" : "; you are not in it"));
            foreach (var m in g.Current)
                Console.WriteLine($"  {TerminalText.Safe(MemberNames.Of(m.Id, me, node.Trust))}  {m.Id}{(m.Id == g.Admin ? "  (admin)" : "")}");
            foreach (var m in g.Members.Where(m => m.Removed))
                Console.WriteLine($"  removed: {TerminalText.Safe(MemberNames.Of(m.Id, me, node.Trust))}  {m.Id}");
            return await Task.FromResult(0);
        }));
        return command;
    }

    private static JsonObject ToJson(Group g, ChatNode node) => new()
    {
        ["id"] = g.Id.ToString(),
        ["name"] = g.Name,
        ["admin"] = g.Admin.ToString(),
        ["version"] = g.Version,
        ["member"] = g.IsMember,
        ["youAreAdmin"] = g.Admin == node.Identity.Id,
        ["members"] = new JsonArray(g.Current.Select(m => (JsonNode)JsonValue.Create(m.Id.ToString())!).ToArray()),
        ["memberNames"] = new JsonArray(g.Current.Select(m => (JsonNode)JsonValue.Create(MemberNames.Of(m.Id, node.Identity.Id, node.Trust))!).ToArray()),
    };

    // A node that does not listen: it works on the data directory and reaches peers only for `send`.
    // Only `group create` may start a data directory; the others need groups that must already be there.
    private static async Task<int> WithNode(string dataDir, Func<ChatNode, Task<int>> work, string? name = null, int? port = null, bool create = false)
    {
        using var profile = create ? Profile.Open(dataDir) : Profile.OpenExisting(dataDir);
        if (profile is null)
            return 2;
        await using var node = SendOnlyNode.Create(profile, name ?? Environment.UserName, null, TimeSpan.FromSeconds(5));
        node.StartSendOnly(port ?? 0);
        return await work(node);
    }

    private static int Fail(string error)
    {
        Console.Error.WriteLine($"cryptosphere: {error}");
        return UsageErrors.ExitCode;
    }
}
