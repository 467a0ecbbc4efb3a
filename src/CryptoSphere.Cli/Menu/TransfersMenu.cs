using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Menu;

/// <summary>Menu option 10: every file transfer with its progress; accept or decline offers, cancel transfers.</summary>
internal sealed class TransfersMenu(ChatNode node, IMenuConsole console)
{
    public async Task RunAsync()
    {
        // Newest first, as the transfers command lists them.
        var transfers = node.Transfers.OrderByDescending(t => t.Updated).ThenBy(t => t.Id).ToList();
        if (transfers.Count == 0)
        {
            console.Info("No file transfers yet. Send a file with option 9; offers from peers appear here.");
            return;
        }
        console.ShowTransfers(transfers);
        var action = console.Ask("Action - accept, decline, cancel (blank to go back): ")?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(action))
            return;
        if (action is not ("accept" or "decline" or "cancel"))
        {
            console.Error($"'{action}' is not an action.");
            return;
        }
        var answer = console.Ask($"Transfer number (1-{transfers.Count}, blank to go back): ")?.Trim();
        if (string.IsNullOrEmpty(answer))
            return;
        if (!int.TryParse(answer, out var n) || n < 1 || n > transfers.Count)
        {
            console.Error($"'{answer}' is not a transfer number.");
            return;
        }

        var t = transfers[n - 1];
        var result = action switch
        {
            "accept" => await node.AcceptTransferAsync(t.Id),
            "decline" => await node.DeclineTransferAsync(t.Id),
            _ => await node.CancelTransferAsync(t.Id),
        };
        if (!result.Success)
            console.Error(result.Error!);
        else if (action == "accept")
            console.Info($"Accepted {TerminalText.Safe(t.Name)}; it goes to {Path.GetDirectoryName(t.Path)} once its SHA-256 is verified.");
        else
            console.Info($"{(action == "decline" ? "Declined" : "Cancelled")} {TerminalText.Safe(t.Name)}; {TerminalText.Safe(t.PeerName)} is told.");
    }
}
