using System.Text.Json.Nodes;
using CryptoSphere.Cli.Commands;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Control;

/// <summary>The commands a running node carries out for its owner's one-off commands.</summary>
internal sealed class ControlHandlers(ChatNode node, TrustStore trust)
{
    /// <param name="started">Tells the command the work has started (send-file: its offer is out), before the answer.</param>
    public async Task<CommandOutcome> HandleAsync(JsonObject request, Func<Task> started, CancellationToken ct)
    {
        var op = (string?)request["op"];
        var wait = TimeSpan.FromSeconds(Math.Clamp((int?)request["wait"] ?? 5, 1, 3600));
        switch (op)
        {
            case "send":
                return await SendAction.RunAsync(node, trust, Text(request, "to"), Text(request, "text"), wait,
                    (bool?)request["secureOnly"] ?? false, queuedElsewhere: null, ct);
            case "group-send":
                return await GroupSendAction.RunAsync(node, Text(request, "group"), Text(request, "text"), wait, ct);
            case "send-file":
                return await SendFileAction.RunAsync(node, trust, Text(request, "to"), Text(request, "path"), (string?)request["as"], ct, started);
            case "trust" or "block" or "unblock":
                return await TrustAction.RunAsync(node, trust, op, Text(request, "id"));
            case "invite":
                // The link of the node as it runs (its name, listening port, advertised address and relay), which the
                // command could only guess from the data directory.
                return new CommandOutcome().Say(node.Invite.ToString());
            case "offers":
                return TransferCommands.OffersOf(node);
            case "transfer":
                var verb = Text(request, "verb");
                return TransferAction.Verbs.Contains(verb)
                    ? await TransferAction.RunAsync(node, verb, Text(request, "id"))
                    : new CommandOutcome().Fail($"'{verb}' is not a transfer action", 2);
            default:
                return new CommandOutcome().Fail($"the running node does not know the request '{op}'; is it an older version?", 2);
        }
    }

    private static string Text(JsonObject request, string name) => (string?)request[name] ?? "";
}
