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
                var choice = console.Ask("Choice: ");
                if (choice is null)
                    return;
                switch (choice.Trim())
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
                    case "0": return;
                    case "": break;
                    default: console.Error($"'{choice.Trim()}' is not an option; choose one of the numbers listed."); break;
                }
            }
        }
        finally
        {
            node.EventRaised -= OnEvent;
        }
    }

    private void OnEvent(NodeEvent e)
    {
        // Refreshes would flood the screen, and the menu reports its own failed sends.
        if (e is PeerUpdated or NodeStarted or SendFailed)
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
        var host = console.Ask("Peer IP (or peer ID): ")?.Trim();
        if (string.IsNullOrEmpty(host))
        {
            console.Error("no IP given.");
            return;
        }
        Func<string, Task<SendResult>> send;
        string label;
        if (!System.Net.IPAddress.TryParse(host, out _) && PeerIdResolver.TryResolve(host, node.Trust, out var id, out _))
        {
            send = text => node.SendAsync(id, text, ct);
            label = id.Short;
        }
        else
        {
            var port = AskPort("Peer port: ");
            if (port is null)
                return;
            var peer = new PeerKey(host, port.Value);
            send = text => node.SendAsync(peer, text, ct);
            label = peer.ToString();
        }
        console.Info($"Chatting with {label}. Type 'exit' to end the session.");
        while (!ct.IsCancellationRequested)
        {
            var text = console.Ask("> ");
            if (text is null || text.Trim() == "exit")
                break;
            if (text.Length == 0)
                continue;
            var result = await send(text);
            if (result.State != MessageState.Failed)
                console.Info(SentLabel(result));
            else
            {
                console.Error($"could not send to {label}: {result.Error}");
                break;
            }
        }
        console.Info("Chat session ended.");
    }

    private int? AskPort(string prompt)
    {
        while (true)
        {
            var answer = console.Ask(prompt);
            if (answer is null)
                return null;
            if (PortRules.TryParse(answer, out var port, out var error))
                return port;
            console.Error(error + ".");
        }
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
        var text = console.Ask("Message: ");
        if (string.IsNullOrEmpty(text))
            return;
        Report(await node.BroadcastAsync(text, ct), "Sent to");
    }

    private async Task MessagePeerAsync(CancellationToken ct)
    {
        var peer = PickPeer();
        if (peer is null)
            return;
        var text = console.Ask("Message: ");
        if (string.IsNullOrEmpty(text))
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
            ? $"Removed {peer.Name} ({peer.Key}); goodbye sent."
            : $"Removed {peer.Name} ({peer.Key}); the goodbye could not be delivered: {result.Error}");
    }

    private async Task SendFileAsync(CancellationToken ct)
    {
        var peer = PickPeer();
        if (peer is null)
            return;
        var path = console.Ask("File to send: ")?.Trim().Trim('"', '\'');
        if (string.IsNullOrEmpty(path))
        {
            console.Error("no file given.");
            return;
        }
        if (path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        console.Info($"Hashing {path}...");
        var result = peer.Id is { } id
            ? await node.OfferFileAsync(id, path, cancellationToken: ct)
            : await node.OfferFileAsync(peer.Key, path, cancellationToken: ct);
        if (!result.Success)
        {
            console.Error($"cannot send {path} to {peer.Name}: {result.Error}");
            return;
        }
        var t = result.Transfer!;
        console.Info($"Offered {TransferText.File(t)} to {TransferText.Who(t)}; waiting for them to accept. " +
                     "Progress shows here; option 10 lists transfers and cancels them.");
    }

    private Peer? PickPeer()
    {
        var peers = node.Peers.Snapshot();
        if (!HasPeers(peers))
            return null;
        console.ShowPeers(peers, _clock.GetUtcNow(), node.Trust);
        var answer = console.Ask($"Peer number (1-{peers.Count}): ");
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
