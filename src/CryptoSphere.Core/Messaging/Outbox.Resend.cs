using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Messaging;

/// <summary>
/// Writing again, on a live session, what the peer never acknowledged: a receiver that could not store a message
/// (a failed write, a full contact request) or a member that did not know the group yet does not answer, and the
/// message would otherwise wait for the next session, however long this one lasts. See <see cref="WriteTimes"/>
/// for when; the receiver keeps one copy of each message ID, so a message that did arrive is only acknowledged again.
/// </summary>
internal sealed partial class Outbox
{
    /// <summary>Writes one outbox row as its frame: a chat message, or a group message.</summary>
    private static ValueTask WriteAsync(SecureSession session, PendingFrame message) =>
        message.IsGroup
            ? session.SendAsync(OutboxFrames.AsGroupMessage(message), static (m, w) => m.Encode(w))
            : session.SendAsync(message, static (m, w) => ChatMessage.Encode(w, m.Id, m.SentAt, m.Text));

    /// <summary>
    /// Writes again the messages <paramref name="id"/>'s live session was given at least the ACK timeout ago and has
    /// not acknowledged, while <paramref name="head"/> (its oldest waiting message) has not moved for as long; at most
    /// a page of them. Returns how many were written.
    /// </summary>
    private async Task<int> ResendOverdueAsync(PeerId id, long head)
    {
        var target = TargetOf(id);
        if (!_flushed.TryGetValue(target, out var mark))
            return 0;
        var gate = _flushLocks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync().ConfigureAwait(false);
        var resent = 0;
        try
        {
            var now = _node.Now;
            if (_sessions.Find(id) is not { } session || mark.Session != session
                || mark.Written.Overdue(head, now, Options.AckTimeout) is not { } through)
                return 0;
            foreach (var message in _node.Store.PendingFrames(target, head - 1, FlushPage))
            {
                if (message.Sequence > through)
                    break;
                await WriteAsync(session, message).ConfigureAwait(false);
                resent++;
            }
            mark.Written.Resent(now);
        }
        catch (IOException)
        {
            // The session closed meanwhile: the next one gets everything unacknowledged anyway.
        }
        finally
        {
            gate.Release();
        }
        if (resent > 0)
            MessagingLog.Resent(_log, resent, id.Short, Options.AckTimeout.TotalSeconds);
        return resent;
    }
}
