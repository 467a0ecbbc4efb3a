using System.Threading.Channels;
using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Commands;

/// <summary>What <c>group send</c> does with a node: send, then count the members' acknowledgements of this message.</summary>
internal static class GroupSendAction
{
    public static async Task<CommandOutcome> RunAsync(ChatNode node, string group, string text, TimeSpan wait, CancellationToken ct)
    {
        var outcome = new CommandOutcome();
        if (GroupResolver.Resolve(group, node.Store, out var error) is not { } target)
            return outcome.Fail(error, UsageErrors.ExitCode);
        // Subscribed before sending: an acknowledgement can arrive before SendToGroupAsync returns.
        var acks = Channel.CreateUnbounded<Guid>();
        void OnEvent(NodeEvent e)
        {
            if (e is MessageDelivered d)
                acks.Writer.TryWrite(d.MessageId);
        }
        node.EventRaised += OnEvent;
        try
        {
            var sent = await node.SendToGroupAsync(target.Id, text);
            if (!sent.Success)
                return outcome.Fail(TerminalText.Safe(sent.Error), sent.Failure is GroupFailure.NotFound or GroupFailure.Invalid ? UsageErrors.ExitCode : 1);
            var members = sent.SentNow + sent.Queued;
            if (members == 0)
                return outcome.Say($"Stored in {TerminalText.Safe(target.Name)}: it has no other members yet; add some with group add.");
            var delivered = 0;
            // Nobody was written to now: no acknowledgement can come while this waits (found from outside: 5 s for nothing).
            if (sent.SentNow == 0)
                return outcome.Say($"Stored in {TerminalText.Safe(target.Name)}: no member is online now; {members} wait in the outbox.");
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(wait);
            try
            {
                while (delivered < members && await acks.Reader.WaitToReadAsync(deadline.Token))
                    while (delivered < members && acks.Reader.TryRead(out var id))
                        if (id == sent.MessageId)
                            delivered++;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Waited as long as asked; the rest stay in the outbox.
            }
            return outcome.Say($"Sent to {TerminalText.Safe(target.Name)}: delivered to {delivered} of {members} member{(members == 1 ? "" : "s")}" +
                               (delivered < members ? $"; {members - delivered} wait in the outbox." : "."));
        }
        finally
        {
            node.EventRaised -= OnEvent;
        }
    }
}
