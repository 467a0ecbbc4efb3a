using System.Threading.Channels;
using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>send-file</c> handed to the node running on the data directory: only that node can send the file, because the
/// receiver answers the offer (accept, decline) to the node its peer ID names, which is the running one. It offers the
/// file and answers once the transfer has ended, with <c>send-file</c>'s own lines and exit codes.
/// </summary>
internal static class SendFileAction
{
    /// <summary>
    /// What <c>send-file</c> was given, checked: <paramref name="address"/> when the target is HOST:PORT, else
    /// <paramref name="id"/>; null when usable, else the one-line error (bad input, exit 2).
    /// </summary>
    public static string? Check(ChatNode node, string target, string file, TrustStore trust, out PeerKey? address, out PeerId id)
    {
        id = default;
        address = PeerKey.TryParse(target, out var key, out _) ? key : null;
        if (address is null && !PeerIdResolver.TryResolve(target, trust, out id, out var error))
            return SendAction.Self(node, target) ?? $"invalid --to: {TerminalText.Safe(PeerIdResolver.NotATarget(target, error))}";
        // As send: offered to itself, the node dialled itself and waited for its own answer.
        if ((SendAction.Self(node, address, address is null ? id : null) ?? (address is null ? SendAction.Blocked(trust, id) : null)) is { } self)
            return self;
        if (address is { } typed && PeerIdResolver.MadeUpRelayAddress(typed, trust) is { } madeUp)
            return madeUp;
        return SourceFile.Problem(file) is { } problem ? TerminalText.Safe(problem) : null;
    }

    /// <param name="offered">Called once the offer is out, so the command says "waiting" only for a file that is on its way.</param>
    public static async Task<CommandOutcome> RunAsync(ChatNode node, TrustStore trust, string target, string file, string? name, CancellationToken ct,
        Func<Task>? offered = null)
    {
        var outcome = new CommandOutcome();
        if (Check(node, target, file, trust, out var address, out var id) is { } refused)
            return outcome.Fail(refused, UsageErrors.ExitCode);
        // Kept from before the offer: the receiver can answer before the offer call returns.
        var events = Channel.CreateUnbounded<NodeEvent>();
        void Keep(NodeEvent e) => events.Writer.TryWrite(e);
        node.EventRaised += Keep;
        try
        {
            var offer = address is { } to ? await node.OfferFileAsync(to, file, name, ct) : await node.OfferFileAsync(id, file, name, ct);
            if (!offer.Success)
                return outcome.Fail($"cannot send {TerminalText.Safe(file)} to {TerminalText.Safe(target)}: {TerminalText.Safe(offer.Error)}.");
            if (offered is not null)
                await offered();
            var end = await SendFileCommand.WaitAsync(events.Reader, offer.Transfer!.Id, _ => { }, ct);
            return end switch
            {
                TransferCompleted done => outcome.Say(EventText.Describe(done)!),
                null => outcome.Fail("the running node stopped before the transfer ended; it resumes when the node runs again", 3),
                _ => outcome.Fail(EventText.Describe(end) ?? "the transfer ended without the file"),
            };
        }
        finally
        {
            node.EventRaised -= Keep;
        }
    }
}
