using CryptoSphere.Cli.Control;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>trust</c>, <c>block</c>, <c>unblock</c> on a running node: through the node, so held messages are
/// released and a blocked peer's sessions close at once, which a change in the database alone would not do.
/// </summary>
internal static class TrustAction
{
    public static async Task<CommandOutcome> RunAsync(ChatNode node, TrustStore trust, string verb, string idText)
    {
        var outcome = new CommandOutcome();
        // Bad input, as without a running node: exit 2.
        if (!PeerIdResolver.TryResolve(idText, trust, out var id, out var error))
            return outcome.Fail(error, UsageErrors.ExitCode);
        if (OwnId(id, node.Identity.Id) is { } own)
            return outcome.Fail(own, UsageErrors.ExitCode);
        switch (verb)
        {
            case "trust":
                node.TrustPeer(id);
                return outcome.Say($"{id} is now trusted.");
            case "block":
                await node.BlockPeerAsync(id);
                return outcome.Say($"{id} is now blocked.");
            default:
                node.UnblockPeer(id);
                return outcome.Say($"{id} is now unknown.");
        }
    }

    /// <summary>
    /// The refusal when <paramref name="id"/> is this node's own: trusting or blocking oneself only added a contact
    /// that no connection ever matches.
    /// </summary>
    public static string? OwnId(PeerId id, PeerId own) =>
        id == own ? $"{id.Short}... is this node's own ID: trust, block and unblock are for other peers" : null;
}
