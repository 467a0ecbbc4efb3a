using CryptoSphere.Cli.Commands;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Menu;

/// <summary>Menu option 7: own ID, contacts with their trust state, and the decisions about them.</summary>
internal sealed class ContactsMenu(ChatNode node, IMenuConsole console)
{
    public async Task RunAsync()
    {
        console.Info($"Your ID: {node.Identity.Id}");
        var contacts = node.Trust.All();
        if (contacts.Count == 0)
            console.Info("No contacts yet: peers appear here after their first secure connection.");
        for (var i = 0; i < contacts.Count; i++)
        {
            var c = contacts[i];
            console.Info($"  {i + 1}. {TerminalText.Safe(c.Name)} {c.Id} {c.State.ToString().ToLowerInvariant()}, last at {TerminalText.Safe(c.LastAddress ?? "?")}");
        }
        foreach (var request in node.ContactRequests)
            console.Info($"  Contact request: {TerminalText.Safe(request.Name)} ({TerminalText.Safe(request.From.ToString())}) {request.Id.Short}, {Counted.Of(request.Messages.Count, "message")} waiting");

        var action = console.Ask("Action - trust, block, unblock, accept, reject (blank to go back): ")?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(action))
            return;
        if (action is not ("trust" or "block" or "unblock" or "accept" or "reject"))
        {
            console.Error($"'{action}' is not an action.");
            return;
        }
        var answer = console.Ask("Contact number or peer ID (blank to go back): ")?.Trim() ?? "";
        if (answer.Length == 0)
            return;
        if (!TryPick(answer, contacts.Select(c => c.Id).ToList(), out var id))
            return;
        if (TrustAction.OwnId(id, node.Identity.Id) is { } own)
        {
            console.Error(own + ".");
            return;
        }

        switch (action)
        {
            case "trust" or "accept":
                node.TrustPeer(id);
                console.Info($"{id.Short} is trusted; anything it sent while waiting is shown now.");
                break;
            case "block":
                await node.BlockPeerAsync(id);
                console.Info($"{id.Short} is blocked.");
                break;
            case "unblock":
                node.UnblockPeer(id);
                console.Info($"{id.Short} is no longer blocked or trusted.");
                break;
            case "reject":
                console.Info(node.RejectContactRequest(id) ? $"Request from {id.Short} rejected." : $"No request from {id.Short}.");
                break;
        }
    }

    private bool TryPick(string answer, IReadOnlyList<PeerId> listed, out PeerId id)
    {
        if (int.TryParse(answer, out var n) && n >= 1 && n <= listed.Count)
        {
            id = listed[n - 1];
            return true;
        }
        if (PeerIdResolver.TryResolve(answer, node.Trust, out id, out var error))
            return true;
        // A number that is no ID prefix either (digits 2-7 can begin one) was meant as a contact number.
        if (int.TryParse(answer, out _))
            error = listed.Count == 0 ? $"'{answer}' is not a contact number: there are no contacts" : $"'{answer}' is not a contact number (1-{listed.Count})";
        console.Error(error + ".");
        return false;
    }
}
