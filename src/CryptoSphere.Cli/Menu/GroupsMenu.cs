using CryptoSphere.Cli.Commands;
using CryptoSphere.Cli.Rendering;
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
                         string.Join(", ", g.Current.Select(m => m.Id.Short)));
        var action = console.Ask("Action - create, add, remove, leave, send (blank to go back): ")?.Trim().ToLowerInvariant();
        try
        {
            switch (action)
            {
                case null or "":
                    return;
                case "create":
                    var name = console.Ask("Group name: ");
                    if (name is null)
                        return;
                    if (string.IsNullOrWhiteSpace(name))
                        console.Error("a group needs a name.");
                    else
                        console.Info($"Created {TerminalText.Safe(name.Trim())} ({node.CreateGroup(name.Trim()).Id}).");
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
                node.LeaveGroup(group.Id);
                console.Info($"You left {TerminalText.Safe(group.Name)}.");
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
                console.Info($"Sent to {Counted.Of(sent.SentNow, "member")} now; {sent.Queued} queued.");
            }
            else if (PeerIdResolver.TryResolve(console.Ask("Peer ID (or unique prefix): ") ?? "", node.Trust, out var id, out error))
            {
                var changed = action == "add" ? await node.AddMemberAsync(group.Id, id) : await node.RemoveMemberAsync(group.Id, id);
                console.Info($"{TerminalText.Safe(group.Name)} is at version {changed.Version}.");
            }
            else
                console.Error(error + ".");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            console.Error(e.Message);
        }
    }
}
