using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;
using Spectre.Console;

namespace CryptoSphere.Cli.Menu;

/// <summary>The menu on a real terminal: Spectre.Console rendering, incoming messages above the prompt.</summary>
internal sealed class TerminalMenuConsole : IMenuConsole
{
    private readonly LineEditor _editor = new();

    public string? Ask(string prompt) => _editor.ReadLine(prompt);

    public void Info(string text) => _editor.PrintAbove(() => AnsiConsole.MarkupLine(Markup.Escape(text)));

    public void Error(string text) => _editor.PrintAbove(() => AnsiConsole.MarkupLine($"[red]Error:[/] {Markup.Escape(text)}"));

    public void Notify(string text) => _editor.PrintAbove(() => AnsiConsole.MarkupLine($"[cyan]{Markup.Escape(text)}[/]"));

    public void ShowMenu(string title, IReadOnlyList<(string Key, string Label)> options)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (key, label) in options)
            grid.AddRow($"[bold yellow]{Markup.Escape(key)}[/]", Markup.Escape(label));
        _editor.PrintAbove(() => AnsiConsole.Write(new Panel(grid).Header(Markup.Escape(title)).RoundedBorder().Expand()));
    }

    public void ShowPeers(IReadOnlyList<Peer> peers, DateTimeOffset now, TrustStore? trust = null)
    {
        if (peers.Count == 0)
        {
            Info("No active peers.");
            return;
        }
        var table = new Table().RoundedBorder()
            .AddColumns("#", "Name", "Address", "Protocol", "Found", "Last seen", "Messages");
        for (var i = 0; i < peers.Count; i++)
        {
            var p = peers[i];
            table.AddRow((i + 1).ToString(), Markup.Escape(p.Name), Markup.Escape(p.Key.ToString()),
                Markup.Escape(PeerLabels.Protocol(p, trust)), PeerLabels.Source(p), EventText.Ago(p.LastSeen, now), p.MessageCount.ToString());
        }
        _editor.PrintAbove(() => AnsiConsole.Write(table));
    }

    public void ShowTransfers(IReadOnlyList<TransferInfo> transfers)
    {
        var table = new Table().RoundedBorder().AddColumns("#", "", "File", "Peer", "Size", "Progress", "State");
        for (var i = 0; i < transfers.Count; i++)
        {
            var t = transfers[i];
            table.AddRow((i + 1).ToString(), t.IsOutgoing ? "->" : "<-", Markup.Escape(t.Name), Markup.Escape(TransferText.Who(t)),
                Sizes.Describe(t.Size), Bar(t) + " " + TransferText.Percent(t), Markup.Escape(TransferText.Status(t)));
        }
        _editor.PrintAbove(() => AnsiConsole.Write(table));
    }

    public void ShowProgress(TransferProgress progress)
    {
        var t = progress.Transfer;
        _editor.PrintAbove(() => AnsiConsole.MarkupLine(
            $"{Bar(t)} {Markup.Escape(TransferText.Label(t))}: {Markup.Escape(TransferText.Progress(t, progress.BytesPerSecond, progress.Remaining))}"));
    }

    /// <summary>A 20-cell bar in Spectre markup, green for the bytes verified so far.</summary>
    private static string Bar(TransferInfo t)
    {
        const int width = 20;
        var done = t.Size == 0 ? width : (int)(width * t.Bytes / t.Size);
        return $"[green]{new string('━', done)}[/][grey]{new string('━', width - done)}[/]";
    }
}
