using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Menu;

/// <summary>Line-by-line menu for piped input: plain text, one answer per line, end of input = quit.</summary>
internal sealed class PlainMenuConsole(TextReader input, TextWriter output) : IMenuConsole
{
    private readonly object _gate = new();

    public string? Ask(string prompt)
    {
        Write(prompt);
        return input.ReadLine();
    }

    public void Info(string text) => Write(text);

    public void Error(string text) => Write("Error: " + text);

    public void Notify(string text) => Write(text);

    public void ShowMenu(string title, IReadOnlyList<(string Key, string Label)> options)
    {
        Write(title);
        foreach (var (key, label) in options)
            Write($"  {key}. {label}");
    }

    public void ShowPeers(IReadOnlyList<Peer> peers, DateTimeOffset now, TrustStore? trust = null)
    {
        if (peers.Count == 0)
        {
            Write("No active peers.");
            return;
        }
        Write($"Active peers ({peers.Count}):");
        for (var i = 0; i < peers.Count; i++)
        {
            var p = peers[i];
            Write($"  {i + 1}. {TerminalText.Safe(p.Name)} {TerminalText.Safe(p.Key.ToString())} {PeerLabels.Protocol(p, trust)} {PeerLabels.Source(p)}, {PeerLabels.Reach(p)}, last seen {EventText.Ago(p.LastSeen, now)}, {Counted.Of(p.MessageCount, "message")} received");
        }
    }

    public void ShowTransfers(IReadOnlyList<TransferInfo> transfers)
    {
        Write($"File transfers ({transfers.Count}):");
        for (var i = 0; i < transfers.Count; i++)
        {
            var t = transfers[i];
            Write($"  {i + 1}. {(t.IsOutgoing ? "->" : "<-")} {TerminalText.Safe(t.Name)} {(t.IsOutgoing ? "to" : "from")} {TransferText.Who(t)}, " +
                  $"{Sizes.Describe(t.Size)}: {TransferText.Status(t)}");
        }
    }

    public void ShowProgress(TransferProgress progress) => Write(EventText.Describe(progress)!);

    private void Write(string line)
    {
        lock (_gate)
        {
            output.WriteLine(TerminalText.Lines(line));
            output.Flush();
        }
    }
}
