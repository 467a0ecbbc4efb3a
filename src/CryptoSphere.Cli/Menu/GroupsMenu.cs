using CryptoSphere.Cli.Commands;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Menu;

/// <summary>Menu option 11: list groups; create, add, remove, leave, send.</summary>
internal sealed class GroupsMenu(ChatNode node, IMenuConsole console)
{
    public async Task RunAsync()
    {
        var groups = node.Groups;
        if (groups.Count == 0)
            console.Info("No groups yet.");
        foreach (var g in groups)
            console.Info($"  {TerminalText.Safe(g.Name)} ({g.Id}) v{g.Version}{(g.Admin == node.Identity.Id ? ", you are admin" : "")}{(g.IsMember ? "" : ", left")}: " +
                         TerminalText.Safe(string.Join(", ", MemberNames.List(g, node.Identity.Id, node.Trust))));
        var action = console.Ask("Action - create, add, remove, leave, send (blank to go back): ")?.Trim().ToLowerInvariant();
        switch (action)
        {
            case null or "":
                return;
            case "create":
                var name = console.Ask("Group name: ");
                if (name is null)
                    return;
                var created = node.CreateGroup(name);
                if (created.Value is { } made)
                    console.Info($"Created {TerminalText.Safe(made.Name)} ({made.Id}).");
                else
                    console.Error(TerminalText.Safe(created.Error) + ".");
                return;
            case "add" or "remove" or "leave" or "send":
                break;
            default:
                console.Error($"'{action}' is not an action.");
                return;
        }
        var wanted = console.Ask("Group (name or ID, blank to go back): ");
        if (string.IsNullOrWhiteSpace(wanted))
            return;
        if (GroupResolver.Resolve(wanted, node.Store, out var error) is not { } group)
        {
            console.Error(error + ".");
            return;
        }
        if (action == "leave")
        {
            var left = node.LeaveGroup(group.Id);
            if (left.Success)
                console.Info(Commands.GroupCommands.Left(left, group.Name));
            else
                console.Error(TerminalText.Safe(left.Error) + ".");
        }
        else if (action == "send")
        {
            var text = console.Ask("Message: ");
            if (text is null)
                return;
            if (MessageInput.IsEmpty(text))
            {
                console.Error(MessageInput.EmptyError + ".");
                return;
            }
            var sent = await node.SendToGroupAsync(group.Id, text);
            if (sent.Success)
                console.Info($"Sent to {Counted.Of(sent.SentNow, "member")} now; {sent.Queued} queued.");
            else
                console.Error(TerminalText.Safe(sent.Error) + ".");
        }
        else if (Recipients.TryResolveMember(console.Ask("Peer ID (or unique prefix): ") ?? "", group, node.Trust, out var id, out error))
        {
            var removing = action == "remove";
            var changed = removing ? await node.RemoveMemberAsync(group.Id, id) : await node.AddMemberAsync(group.Id, id);
            var who = TerminalText.Safe(MemberNames.Of(id, node.Identity.Id, node.Trust));
            if (changed.Value is not { } result)
                console.Error(TerminalText.Safe(changed.Error) + ".");
            else if (changed.Unchanged)
                console.Info($"{who} is {(removing ? "not" : "already")} a member of {TerminalText.Safe(group.Name)}; nothing changed.");
            else
                console.Info($"{(removing ? "Removed" : "Added")} {who}; {TerminalText.Safe(group.Name)} is at version {result.Version}.");
        }
        else
            console.Error(error + ".");
    }
}
