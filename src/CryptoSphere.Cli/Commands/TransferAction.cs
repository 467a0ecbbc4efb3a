using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Commands;

/// <summary><c>transfers accept|decline|cancel ID</c>: only a running node holds the connection a transfer needs.</summary>
internal static class TransferAction
{
    public static readonly string[] Verbs = ["accept", "decline", "cancel"];

    public static async Task<CommandOutcome> RunAsync(ChatNode node, string verb, string idText)
    {
        var outcome = new CommandOutcome();
        var wanted = idText.Trim().Replace("-", "", StringComparison.Ordinal);
        bool Matches(TransferInfo t) => wanted.Length > 0 && t.Id.ToString("N").StartsWith(wanted, StringComparison.OrdinalIgnoreCase);
        // `transfers` also lists the stored ones (finished before the node restarted, so the node no longer holds them):
        // they count in the matches and get a true answer, not "no transfer has an ID starting with" (hunt-B D9).
        var held = node.Transfers.Where(Matches).ToList();
        var matches = held.Concat(node.TransferHistory.Recent(int.MaxValue).Where(t => Matches(t) && held.All(h => h.Id != t.Id))).ToList();
        if (matches.Count != 1)
            return outcome.Fail(matches.Count == 0
                ? $"no transfer has an ID starting with '{idText}' (see `cryptosphere transfers`)"
                : $"'{idText}' matches {matches.Count} transfers ({string.Join(", ", matches.Select(t => t.ShortId))}); give more of the ID",
                UsageErrors.ExitCode);
        var transfer = matches[0];
        if (held.Count == 0)
            return outcome.Fail($"transfer {TerminalText.Safe(transfer.Name)} [{transfer.ShortId}] is {transfer.State.ToString().ToLowerInvariant()}; nothing to {verb}");
        var result = verb switch
        {
            "accept" => await node.AcceptTransferAsync(transfer.Id),
            "decline" => await node.DeclineTransferAsync(transfer.Id),
            _ => await node.CancelTransferAsync(transfer.Id),
        };
        if (!result.Success)
            return outcome.Fail(result.Error!);
        return outcome.Say(verb switch
        {
            "accept" => $"Accepted {transfer.Name} [{transfer.ShortId}]; it goes to {Path.GetDirectoryName(transfer.Path)} once its SHA-256 is verified.",
            "decline" => $"Declined {transfer.Name} [{transfer.ShortId}]; {transfer.PeerName} is told.",
            _ => $"Cancelled {transfer.Name} [{transfer.ShortId}]; {transfer.PeerName} is told.",
        });
    }
}
