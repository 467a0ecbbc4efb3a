using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Menu;

/// <summary>Menu option 8: a conversation's history, paged back, and full-text search.</summary>
internal sealed class HistoryMenu(ChatNode node, IMenuConsole console)
{
    private const int PageSize = 20;

    public void Run()
    {
        var conversations = node.Store.Conversations();
        if (conversations.Count == 0)
        {
            console.Info("No history yet.");
            return;
        }
        for (var i = 0; i < conversations.Count; i++)
            console.Info($"  {i + 1}. {TerminalText.Safe(conversations[i].Title)} ({TerminalText.Safe(conversations[i].Id)}), {Counted.Of(conversations[i].Messages, "message")}");
        var answer = console.Ask($"Conversation number (1-{conversations.Count}), or 's' to search (blank to go back): ")?.Trim();
        if (string.IsNullOrEmpty(answer))
            return;
        if (answer is "s" or "S")
        {
            Search();
            return;
        }
        if (!int.TryParse(answer, out var n) || n < 1 || n > conversations.Count)
        {
            console.Error($"'{answer}' is not a conversation number.");
            return;
        }
        long? before = null;
        while (true)
        {
            var page = node.Store.History(conversations[n - 1].Id, PageSize, before);
            var groups = MessageText.GroupNames(node.Store);
            var waiting = node.Waiting();
            foreach (var m in page)
                console.Info(MessageText.Line(m, groups) + (MailboxText.Waiting(waiting.GetValueOrDefault(m.Id), node.Trust) is { } where ? $"  ({where})" : ""));
            if (page.Count < PageSize || console.Ask("Older messages? (y/N): ")?.Trim().ToLowerInvariant() != "y")
                return;
            before = page[0].Sequence;
        }
    }

    private void Search()
    {
        var text = console.Ask("Search for: ");
        if (string.IsNullOrWhiteSpace(text))
            return;
        var found = node.Store.Search(text, 50);
        if (found.Count == 0)
            console.Info("Nothing found.");
        var groups = MessageText.GroupNames(node.Store);
        foreach (var m in found)
            console.Info(MessageText.Line(m, groups));
    }
}
