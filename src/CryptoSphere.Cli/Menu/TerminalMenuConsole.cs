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
    private readonly LineEditor _editor = new(ReadKey, Console.Out);

    public string? Ask(string prompt)
    {
        // Ctrl+C at a prompt cancels the prompt; elsewhere (a send under way) it still stops the program.
        Console.TreatControlCAsInput = true;
        try
        {
            return _editor.ReadLine(prompt);
        }
        finally
        {
            Console.TreatControlCAsInput = false;
        }
    }

    private static ConsoleKeyInfo? ReadKey()
    {
        try
        {
            return Console.ReadKey(intercept: true);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public void Info(string text) => _editor.PrintAbove(() => AnsiConsole.MarkupLine(Safe(text)));

    public void Error(string text) => _editor.PrintAbove(() => AnsiConsole.MarkupLine($"[red]Error:[/] {Safe(text)}"));

    public void Notify(string text) => _editor.PrintAbove(() => AnsiConsole.MarkupLine($"[cyan]{Safe(text)}[/]"));

    public void ShowMenu(string title, IReadOnlyList<(string Key, string Label)> options)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (key, label) in options)
            grid.AddRow($"[bold yellow]{Safe(key)}[/]", Safe(label));
        _editor.PrintAbove(() => AnsiConsole.Write(new Panel(grid).Header(Safe(title)).RoundedBorder().Expand()));
    }

    public void ShowPeers(IReadOnlyList<Peer> peers, DateTimeOffset now, TrustStore? trust = null)
    {
        if (peers.Count == 0)
        {
            Info("No active peers.");
            return;
        }
        var table = new Table().RoundedBorder()
            .AddColumns("#", "Name", "Address", "Protocol", "Found", "Reached", "Last seen", "Received");
        for (var i = 0; i < peers.Count; i++)
        {
            var p = peers[i];
            table.AddRow((i + 1).ToString(), Cell(p.Name), Cell(p.Key.ToString()),
                Safe(PeerLabels.Protocol(p, trust)), PeerLabels.Source(p), PeerLabels.Reach(p), EventText.Ago(p.LastSeen, now), p.MessageCount.ToString());
        }
        _editor.PrintAbove(() => AnsiConsole.Write(table));
    }

    public void ShowTransfers(IReadOnlyList<TransferInfo> transfers)
    {
        var table = new Table().RoundedBorder().AddColumns("#", "", "File", "Peer", "Size", "Progress", "State");
        for (var i = 0; i < transfers.Count; i++)
        {
            var t = transfers[i];
            table.AddRow((i + 1).ToString(), t.IsOutgoing ? "->" : "<-", Cell(t.Name), Safe(TransferText.Who(t)),
                Sizes.Describe(t.Size), Bar(t) + " " + TransferText.Percent(t), Safe(TransferText.Status(t)));
        }
        _editor.PrintAbove(() => AnsiConsole.Write(table));
    }

    public void ShowProgress(TransferProgress progress)
    {
        var t = progress.Transfer;
        _editor.PrintAbove(() => AnsiConsole.MarkupLine(
            $"{Bar(t)} {Safe(TransferText.Label(t))}: {Safe(TransferText.Progress(t, progress.BytesPerSecond, progress.Remaining))}"));
    }

    /// <summary>Text for Spectre markup: escaped for the terminal first (no raw control characters), then for markup.</summary>
    private static string Safe(string text) => Markup.Escape(TerminalText.Lines(text));

    /// <summary>A table cell from one field: a line break in it is shown as a symbol, not a new row line.</summary>
    private static string Cell(string text) => Markup.Escape(TerminalText.Safe(text));

    /// <summary>A 20-cell bar in Spectre markup, green for the bytes verified so far.</summary>
    private static string Bar(TransferInfo t)
    {
        const int width = 20;
        var done = t.Size == 0 ? width : (int)(width * t.Bytes / t.Size);
        return $"[green]{new string('━', done)}[/][grey]{new string('━', width - done)}[/]";
    }
}
