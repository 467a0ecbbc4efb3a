using CryptoSphere.Cli.Control;
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
        if (!PeerIdResolver.TryResolve(idText, trust, out var id, out var error))
            return outcome.Fail(error);
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
}
