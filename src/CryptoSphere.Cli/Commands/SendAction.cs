using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>What <c>send</c> does with a node, whether the node is this process's own or the running one.</summary>
internal static class SendAction
{
    /// <param name="queuedElsewhere">How to explain a queued message when this process's node stops right after.</param>
    /// <param name="noRelays">This process's node dials the LAN only (a one-off send): a contact reached through a
    /// relay is then explained as such (<see cref="OneOffRelayNote"/>), not as offline.</param>
    public static async Task<CommandOutcome> RunAsync(ChatNode node, TrustStore trust, string target, string text, TimeSpan wait,
        bool secureOnly, string? queuedElsewhere, CancellationToken ct, bool noRelays = false)
    {
        var outcome = new CommandOutcome();
        SendResult sent;
        if (PeerKey.TryParse(target, out var address, out _))
        {
            if ((Self(node, address, null) ?? PeerIdResolver.MadeUpRelayAddress(address, trust)) is { } self)
                return outcome.Fail(self, UsageErrors.ExitCode);
            // The running node's own options decide the protocol, so --secure-only is checked before anything is written.
            if (secureOnly && queuedElsewhere is null && node.Peers.Find(address) is not { Protocol: PeerProtocol.Secure })
                return outcome.Fail($"--secure-only: the running node does not know {address} as a CryptoSphere node; send to its peer ID instead");
            sent = await node.SendAsync(address, text, ct);
        }
        else if (PeerIdResolver.TryResolve(target, trust, out var id, out var error))
        {
            if ((Self(node, null, id) ?? Blocked(trust, id)) is { } refused)
                return outcome.Fail(refused, UsageErrors.ExitCode);
            sent = await node.SendAsync(id, text, ct);
        }
        else
            return outcome.Fail(Self(node, target) ?? $"invalid --to: {TerminalText.Safe(PeerIdResolver.NotATarget(target, error))}",
                UsageErrors.ExitCode);

        if (sent.State == MessageState.Queued && queuedElsewhere is null)
            return outcome.Say($"Queued for {sent.To}: {TerminalText.Safe(sent.Error)}. The running node delivers it when the peer is back.");
        if (!sent.Success && noRelays && sent.State == MessageState.Queued && OneOffRelayNote.For(target, trust, sent.To.ToString()) is { } relayOnly)
            return outcome.Fail($"could not send to {TerminalText.Safe(target)}: {TerminalText.Safe(relayOnly)}. {queuedElsewhere}");
        if (!sent.Success)
            return outcome.Fail($"could not send to {TerminalText.Safe(target)}: {TerminalText.Safe(sent.Error)}." +
                                (sent.State == MessageState.Queued ? " " + queuedElsewhere : ""));
        if (sent.Delivered is null)
            return outcome.Say(sent.Caveat is { } caveat
                ? $"Sent to {sent.To} in plaintext (unencrypted, unverified): {caveat}."
                : $"Sent to {sent.To} (unencrypted, unverified: an old peer cannot acknowledge){PeerLabels.PartsNote(sent.Parts)}.");
        try
        {
            await sent.Delivered.WaitAsync(wait, ct);
        }
        catch (TimeoutException)
        {
            return queuedElsewhere is null
                ? outcome.Say($"Sent to {sent.To} over TLS; not acknowledged within {wait.TotalSeconds:0} s. " +
                              "The running node keeps it in the outbox until the peer acknowledges it.")
                : outcome.Fail($"sent to {sent.To} over TLS, but no acknowledgement within {wait.TotalSeconds:0} s", 3);
        }
        return outcome.Say($"Delivered to {sent.To} (secure, peer {node.Peers.Find(sent.To)?.Id}).");
    }

    /// <summary>
    /// The refusal when the target is this node itself, as <c>trust</c> refuses the own ID: accepted, the message was
    /// queued and the node dialled itself on every retry. Null for any other peer.
    /// </summary>
    public static string? Self(ChatNode node, PeerKey? address, PeerId? id) =>
        address is { } a && node.IsOwnAddress(a) ? $"{TerminalText.Safe(a.ToString())} is this node's own address: send to another peer"
        : id is { } i && i == node.Identity.Id ? $"{i.Short}... is this node's own ID: send to another peer"
        : null;

    /// <summary>
    /// The refusal when the peer is blocked, refused as the own ID is (exit 2, nothing queued): the node would never
    /// connect to it, and "no known address" hid that reason.
    /// </summary>
    public static string? Blocked(TrustStore trust, PeerId id) =>
        trust.StateOf(id) == TrustState.Blocked
            ? $"{id.Short}... is blocked; to send to it, unblock it first: cryptosphere unblock {id.Short}"
            : null;

    /// <summary>
    /// <see cref="Self(ChatNode, PeerKey?, PeerId?)"/> for a target that named no known peer: a prefix of the own ID
    /// matches no contact (the node is not its own contact), and is still the own ID, not an unknown one.
    /// </summary>
    public static string? Self(ChatNode node, string target) =>
        !target.Contains(':') && PeerId.Normalize(target) is { Length: > 0 } wanted && node.Identity.Id.Value.StartsWith(wanted, StringComparison.Ordinal)
            ? Self(node, null, node.Identity.Id)
            : null;
}
