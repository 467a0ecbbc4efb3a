using CryptoSphere.Cli.Commands;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Menu;

/// <summary>
/// Menu option 12: what <c>mailbox status</c> shows, where each waiting message is (the outbox, or held by a
/// mailbox), and the mailbox settings: use, stop-using, serve (with its quota), stop-serving.
/// </summary>
internal sealed class MailboxesMenu(ChatNode node, IMenuConsole console)
{
    public void Run()
    {
        foreach (var line in MailboxText.Status(node.Mailboxes, node.Trust))
            console.Info(line);
        ShowWaiting();
        var action = console.Ask("Action - use, stop-using, serve, stop-serving (blank to go back): ")?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(action))
            return;
        if (action is not ("use" or "stop-using" or "serve" or "stop-serving"))
        {
            console.Error($"'{TerminalText.Safe(action)}' is not an action.");
            return;
        }
        if (!PeerIdResolver.TryResolve(console.Ask("Peer ID (or unique prefix): ") ?? "", node.Trust, out var id, out var error))
        {
            console.Error(error + ".");
            return;
        }
        var store = node.Mailboxes;
        switch (action)
        {
            case "use":
                var used = id == node.Identity.Id ? (UseOutcome?)null : store.TryUse(id);
                Report(used is UseOutcome.Added or UseOutcome.AlreadyUsed,
                    used == UseOutcome.AlreadyUsed ? MailboxLabels.AlreadyUsed(id) : $"{id} will be asked to hold your mail; your node connects to it now and then.",
                    used is { } refused ? MailboxLabels.UseRefused(id, refused) : MailboxLabels.OwnId(id));
                break;
            case "stop-using":
                Report(store.StopUsing(id), $"{id} is no longer one of your mailboxes.", $"{id} was not one of your mailboxes");
                break;
            case "serve":
                Serve(id);
                break;
            default:
                var dropped = store.StopServing(id);
                Report(dropped is not null, MailboxText.Stopped(id, dropped ?? 0), MailboxText.NotServed(id));
                break;
        }
    }

    private void ShowWaiting()
    {
        var waiting = node.Waiting();
        if (waiting.Count == 0)
        {
            console.Info("Waiting messages: none.");
            return;
        }
        console.Info("Waiting messages:");
        var groups = MessageText.GroupNames(node.Store);
        foreach (var (message, _, _) in node.Store.Outbox().DistinctBy(r => r.Message.Id))
            console.Info($"  {MessageText.Line(message, groups)}  ({MailboxText.Waiting(waiting.GetValueOrDefault(message.Id), node.Trust)})");
    }

    private void Serve(PeerId id)
    {
        var defaults = MailboxQuota.Default;
        var answer = console.Ask($"Quota: envelopes, MB, days (blank for {defaults.MaxEnvelopes} {defaults.MaxBytes >> 20} {defaults.Expiry.TotalDays:0.##}): ");
        if (answer is null)
            return;
        var parts = answer.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        MailboxQuota quota;
        if (parts.Length == 0)
            quota = defaults;
        else if (parts.Length == 3 && int.TryParse(parts[0], out var count) && int.TryParse(parts[1], out var megabytes) && megabytes > 0
                 && double.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var days) && double.IsFinite(days) && days is > 0 and <= 365)
            quota = new MailboxQuota(count, (long)megabytes << 20, TimeSpan.FromDays(days));
        else
        {
            console.Error("give three numbers (envelopes, megabytes, days), or nothing for the defaults.");
            return;
        }
        if (quota.Problem is { } problem)
        {
            console.Error(problem + ".");
            return;
        }
        Report(node.Mailboxes.Serve(id, quota),
            $"Holding mail for {id} once it asks: up to {quota.MaxEnvelopes} envelopes, {quota.MaxBytes >> 20} MB, {quota.Expiry.TotalDays:0.##} days each.",
            $"cannot serve {id}: it is not a trusted contact (trust it first, after comparing its ID)");
    }

    private void Report(bool done, string success, string failure)
    {
        if (done)
            console.Info(success);
        else
            console.Error(failure + ".");
    }
}
