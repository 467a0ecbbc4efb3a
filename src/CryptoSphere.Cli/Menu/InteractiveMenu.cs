using System.Collections.Concurrent;
using CryptoSphere.Cli.Commands;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Menu;

/// <summary>The seed's menu, option for option, over a running node.</summary>
internal sealed class InteractiveMenu(ChatNode node, IMenuConsole console, TimeProvider? clock = null)
{
    private static readonly (string Key, string Label)[] Options =
    [
        ("1", "Chat session"),
        ("2", "Active peers"),
        ("3", "Connect to peers"),
        ("4", "Broadcast"),
        ("5", "Message a peer"),
        ("6", "Remove a peer"),
        ("7", "Contacts and trust"),
        ("8", "History and search"),
        ("9", "Send a file"),
        ("10", "File transfers"),
        ("11", "Groups"),
        ("12", "Mailboxes and waiting messages"),
        ("0", "Quit"),
    ];

    // Progress lines are printed at most this often per transfer, so they do not bury the prompt.
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _progressShown = new();

    /// <summary>Runs until the user quits or the input ends; the caller stops the node.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        node.EventRaised += OnEvent;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                console.ShowMenu($"CryptoSphere - {node.Name} on {node.AdvertisedIp}:{node.Port}", Options);
                string? choice;
                try
                {
                    choice = console.Ask("Choice: ");
                }
                catch (PromptCancelledException)
                {
                    continue; // Ctrl+C at the menu clears the line, like a shell; Ctrl+D or 0 quits
                }
                if (choice is null)
                    return;
                try
                {
                    if (!await RunOptionAsync(choice.Trim(), cancellationToken))
                        return;
                }
                catch (PromptCancelledException)
                {
                    console.Info("Cancelled.");
                }
            }
        }
        finally
        {
            node.EventRaised -= OnEvent;
        }
    }

    /// <summary>Runs one menu option; false when it is the one that quits.</summary>
    private async Task<bool> RunOptionAsync(string choice, CancellationToken cancellationToken)
    {
        switch (choice)
        {
            case "1": await ChatSessionAsync(cancellationToken); break;
            case "2": console.ShowPeers(node.Peers.Snapshot(), _clock.GetUtcNow(), node.Trust); break;
            case "3": await ConnectToPeersAsync(cancellationToken); break;
            case "4": await BroadcastAsync(cancellationToken); break;
            case "5": await MessagePeerAsync(cancellationToken); break;
            case "6": await RemovePeerAsync(cancellationToken); break;
            case "7": await new ContactsMenu(node, console).RunAsync(); break;
            case "8": new HistoryMenu(node, console).Run(); break;
            case "9": await SendFileAsync(cancellationToken); break;
            case "10": await new TransfersMenu(node, console).RunAsync(); break;
            case "11": await new GroupsMenu(node, console).RunAsync(); break;
            case "12": new MailboxesMenu(node, console).Run(); break;
            case "0": return false;
            case "": break;
            default: console.Error($"'{TerminalText.Safe(choice)}' is not an option; choose one of the numbers listed."); break;
        }
        return true;
    }

    private void OnEvent(NodeEvent e)
    {
        // Refreshes would flood the screen, and the menu reports its own failed sends.
        // A peer the user removed is reported by option 6 itself, once.
        if (e is PeerUpdated or NodeStarted or SendFailed or PeerRemoved { Reason: PeerRemovalReason.RemovedByUser })
            return;
        if (e is TransferProgress progress)
        {
            var last = _progressShown.GetValueOrDefault(progress.Transfer.Id, DateTimeOffset.MinValue);
            if (progress.Time - last >= ProgressEvery && progress.Transfer.Bytes < progress.Transfer.Size)
            {
                _progressShown[progress.Transfer.Id] = progress.Time;
                console.ShowProgress(progress);
            }
            return;
        }
        if (EventText.Describe(e, node.Trust) is { } text)
            console.Notify(text);
    }

    private async Task ChatSessionAsync(CancellationToken ct)
    {
        if (ChatTarget.Ask(console, node.Trust) is not { } target)
            return;
        Func<string, Task<SendResult>> send = target.Id is { } id
            ? text => node.SendAsync(id, text, ct)
            : text => node.SendAsync(target.Address!.Value, text, ct);
        console.Info($"Chatting with {target.Label}. Type 'exit' (or press Ctrl+C) to end the session.");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var text = console.Ask("> ");
                if (text is null || text.Trim() == "exit")
                    break;
                if (MessageInput.IsEmpty(text))
                {
                    console.Error(MessageInput.EmptyError + ", or 'exit' to end the session.");
                    continue;
                }
                var result = await send(text);
                if (result.State != MessageState.Failed)
                    console.Info(SentLabel(result));
                else
                {
                    console.Error($"could not send to {target.Label}: {result.Error}");
                    break;
                }
            }
        }
        catch (PromptCancelledException)
        {
        }
        console.Info("Chat session ended.");
    }

    private async Task ConnectToPeersAsync(CancellationToken ct)
    {
        if (!HasPeers())
            return;
        Report(await node.RequestConnectionsAsync(ct), "Connection request sent to");
    }

    private async Task BroadcastAsync(CancellationToken ct)
    {
        if (!HasPeers())
            return;
        if (AskMessage() is not { } text)
            return;
        Report(await node.BroadcastAsync(text, ct), "Sent to");
    }

    private async Task MessagePeerAsync(CancellationToken ct)
    {
        var peer = PickPeer();
        if (peer is null)
            return;
        if (AskMessage() is not { } text)
            return;
        var result = await node.SendAsync(peer.Key, text, ct);
        if (result.State != MessageState.Failed)
            console.Info(SentLabel(result));
        else
            console.Error($"could not send to {peer.Key}: {result.Error}");
    }

    private async Task RemovePeerAsync(CancellationToken ct)
    {
        var peer = PickPeer();
        if (peer is null)
            return;
        var result = await node.RemovePeerAsync(peer.Key, ct);
        console.Info(result.Success
            ? $"Removed {TerminalText.Safe(peer.Name)} ({peer.Key}); goodbye sent."
            : $"Removed {TerminalText.Safe(peer.Name)} ({peer.Key}); the goodbye could not be delivered: {result.Error}");
    }

    private async Task SendFileAsync(CancellationToken ct)
    {
        var peer = PickPeer();
        if (peer is null)
            return;
        var path = console.Ask("File to send (blank to go back): ")?.Trim().Trim('"', '\'');
        if (string.IsNullOrEmpty(path))
            return;
        if (path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        console.Info($"Hashing {path}...");
        var result = peer.Id is { } id
            ? await node.OfferFileAsync(id, path, cancellationToken: ct)
            : await node.OfferFileAsync(peer.Key, path, cancellationToken: ct);
        if (!result.Success)
        {
            console.Error($"cannot send {path} to {TerminalText.Safe(peer.Name)}: {result.Error}");
            return;
        }
        var t = result.Transfer!;
        console.Info($"Offered {TransferText.File(t)} to {TransferText.Who(t)}; waiting for them to accept. " +
                     "Progress shows here; option 10 lists transfers and cancels them.");
    }

    /// <summary>The message to send, or null (and why) when the user gave none.</summary>
    private string? AskMessage()
    {
        var text = console.Ask("Message: ");
        if (text is null)
            return null;
        if (MessageInput.IsEmpty(text))
        {
            console.Error(MessageInput.EmptyError + ".");
            return null;
        }
        return text;
    }

    private Peer? PickPeer()
    {
        var peers = node.Peers.Snapshot();
        if (!HasPeers(peers))
            return null;
        console.ShowPeers(peers, _clock.GetUtcNow(), node.Trust);
        var answer = console.Ask($"Peer number (1-{peers.Count}, blank to go back): ");
        if (string.IsNullOrWhiteSpace(answer))
            return null;
        if (int.TryParse(answer?.Trim(), out var n) && n >= 1 && n <= peers.Count)
            return peers[n - 1];
        console.Error($"'{answer?.Trim()}' is not a peer number.");
        return null;
    }

    private bool HasPeers(IReadOnlyList<Peer>? peers = null)
    {
        if ((peers ?? node.Peers.Snapshot()).Count > 0)
            return true;
        console.Info("No active peers yet. Peers appear when they message you.");
        return false;
    }

    // Secure messages are confirmed later by a "Delivered" line; legacy ones never are.
    private static string SentLabel(SendResult result) => result switch
    {
        { State: MessageState.Queued } => $"Queued for {result.To}: {result.Error}",
        { Protocol: PeerProtocol.Secure } => $"Sent to {result.To} (secure); waiting for delivery.",
        { Caveat: { } caveat } => $"Sent to {result.To} in plaintext (unencrypted, unverified): {caveat}.",
        _ => $"Sent to {result.To} (unencrypted, unverified){PeerLabels.PartsNote(result.Parts)}.",
    };

    private void Report(IReadOnlyList<SendResult> results, string verb)
    {
        foreach (var r in results)
        {
            if (r.Success)
                console.Info($"{verb} {r.To}.");
            else if (r.State == MessageState.Queued)
                console.Info(SentLabel(r));
            else
                console.Error($"{r.To}: {r.Error}");
        }
    }
}
