using System.Buffers;
using System.Collections.Concurrent;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Messaging;

/// <summary>
/// Offline delivery: the outbox is the source of truth; a message leaves it when acknowledged (secure),
/// written (legacy), or given up and reported.
/// </summary>
internal sealed partial class Outbox : IDisposable
{
    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly SessionDialer _dialer;
    private readonly LegacyOutbound _legacy;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _deliveries = new();
    // Per outbox target: the session its messages were last written on, and how far. Changed only under the target's
    // flush lock, in place: a tuple value made the dictionary allocate a new node per message written.
    private readonly ConcurrentDictionary<string, FlushMark> _flushed = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _flushLocks = new();
    // Per outbox target: the last "sent" write its flushes queued. Writes commit in order, so a flush that waits for the
    // last one knows every message it found already written is recorded as sent.
    private readonly ConcurrentDictionary<string, Task> _markedSent = new();
    // A flush that finds its message already written reads nothing; never changed (moved messages never get it).
    private static readonly List<PendingFrame> NothingNew = [];
    // Rows read per query when a backlog is written (see FlushAsync).
    internal const int FlushPage = 1024;

    public Outbox(NodeRuntime node, SessionRegistry sessions, SessionDialer dialer, LegacyOutbound legacy, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _dialer = dialer;
        _legacy = legacy;
        _log = node.Logger<Outbox>();
        router.Handle(FrameType.Ack, OnAckAsync);
        // The pass that follows must see the messages due: it is kicked once the change is committed.
        sessions.Opened += session => _ = MakeDueThenKickAsync(TargetOf(session.RemoteId));
        sessions.Ended += _ => Kick();
        _wake = new StorePassWake(node.Options.OutboxCheckInterval, node.Options.IdleCheckInterval);
        node.Store.OutboxGrew += _wake.WakeIfIdle;
    }

    private NodeOptions Options => _node.Options;

    public static string TargetOf(PeerId id) => ConversationId.TextOf(id);

    public static string TargetOf(PeerKey legacy) => ConversationId.Legacy(legacy).ToString();

    /// <summary>Completes when the receiver acknowledges the message; fails when it is given up.</summary>
    public Task Delivery(Guid id) => _deliveries.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>A message that was not queued after all (its outbox was full): nobody waits for its delivery.</summary>
    public void Forget(Guid id) => _deliveries.TryRemove(id, out _);

    /// <summary>
    /// Writes, in order, every outbox message for <paramref name="id"/> not yet written on its live session, and
    /// returns once they are recorded as sent. Returns false when there is no live session. <paramref name="moved"/>
    /// is a message just moved into this outbox (it was queued for an address): older than what may already be
    /// written on the session, so it is written too (at worst twice; the receiver keeps one). <paramref name="sequence"/>
    /// is that of a message just stored: when a flush already wrote it on this session, there is nothing to read.
    /// </summary>
    public async Task<bool> FlushAsync(PeerId id, Guid? moved = null, long sequence = 0)
    {
        var target = TargetOf(id);
        // A burst's sends are stored in one batch, and the first flush writes them all: the others need not queue for the
        // lock one by one (a chain of hand-offs as long as the batch) to learn that their message went.
        if (sequence > 0 && moved is null && WrittenThrough(target, id, sequence) is { } done)
        {
            await done.Marked.ConfigureAwait(false);
            return true;
        }
        var gate = _flushLocks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        // Made only when something is written: of a batch of sends, the first flush writes them all and the rest find nothing.
        List<long>? written = null;
        Task? recorded = null;
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_sessions.Find(id) is not { } session)
                return false;
            // On a new session everything unacknowledged goes again; on the same one only what is new.
            var mark = _flushed.GetOrAdd(target, static _ => new FlushMark());
            var after = mark.Session == session ? mark.Sequence : 0;
            // Sends stored in one batch each flush; the first flush writes them all and the others find nothing new.
            var rows = sequence > 0 && after >= sequence && moved is null ? NothingNew : _node.Store.PendingFrames(target, after, FlushPage);
            if (moved is { } m && rows.TrueForAll(r => r.Id != m) && _node.Store.OutboxEntry(m, target) is { } late)
                rows.Insert(0, PendingFrame.Of(late));
            while (true)
            {
                foreach (var message in rows)
                {
                    mark.Advance(session, Math.Max(after, message.Sequence));
                    await WriteAsync(session, message).ConfigureAwait(false);
                    if (message.State == MessageState.Queued)
                        (written ??= []).Add(message.Sequence);
                }
                if (rows.Count > 0)
                    mark.Written.Wrote(mark.Sequence, _node.Now);
                // A backlog goes a page at a time, each page recorded as sent in its own write: read whole, a burst of
                // thousands made lists large enough for the large object heap, and each one brought a full collection nearer.
                RecordWritten(target, ref written);
                if (rows.Count > 0)
                    mark.Record(session, _markedSent.GetValueOrDefault(target));
                if (rows.Count < FlushPage)
                    break;
                after = mark.Sequence;
                rows = _node.Store.PendingFrames(target, after, FlushPage);
            }
        }
        catch (IOException)
        {
            return false; // the session closed meanwhile; the rest goes out on the next one
        }
        finally
        {
            RecordWritten(target, ref written);
            recorded = _markedSent.GetValueOrDefault(target);
            gate.Release();
        }
        if (recorded is not null)
            await recorded.ConfigureAwait(false);
        return true;
    }

    // The mark of a flush that already wrote message `sequence` on the peer's live session, if any.
    private Watermark? WrittenThrough(string target, PeerId id, long sequence) =>
        _flushed.TryGetValue(target, out var known) && known.Recorded is { } done && done.Sequence >= sequence && _sessions.Find(id) == done.Session
            ? done
            : null;

    /// <summary>Whether a send of message <paramref name="sequence"/> would find it written and skip the flush lock (for tests).</summary>
    internal bool IsWritten(PeerId id, long sequence) => WrittenThrough(TargetOf(id), id, sequence) is not null;

    // Recorded as sent in one write of the store's next batch; the next flush need not wait for it to start. Under the
    // target's flush lock.
    private void RecordWritten(string target, ref List<long>? written)
    {
        if (written is null)
            return;
        _markedSent[target] = _node.Store.MarkSentAsync(written);
        written = null;
    }

    /// <summary>
    /// Writes one frame of a message just queued (with sequence <paramref name="sequence"/>) straight to a member
    /// with nothing else waiting, and records it as flushed. False when the session closed: the outbox sends it later.
    /// </summary>
    public async Task<bool> SendDirectAsync(PeerId member, SecureSession session, GroupChatMessage frame, long sequence)
    {
        var target = TargetOf(member);
        var gate = _flushLocks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var mark = _flushed.GetOrAdd(target, static _ => new FlushMark());
            // The outbox's pass, woken by the same commit, may have flushed this member first: written once is enough.
            if (mark.Session == session && mark.Sequence >= sequence)
                return true;
            await session.SendAsync(frame, static (m, w) => m.Encode(w)).ConfigureAwait(false);
            mark.Advance(session, mark.Session == session ? Math.Max(mark.Sequence, sequence) : sequence);
            mark.Written.Wrote(mark.Sequence, _node.Now);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task GiveUpAsync(StoredMessage message, string reason)
    {
        if (!await _node.Store.MarkFailedAsync(message.Id, reason).ConfigureAwait(false))
            return;
        if (_deliveries.TryRemove(message.Id, out var waiting))
            waiting.TrySetException(new IOException(reason));
        MessagingLog.GaveUp(_log, message.Id, message.Address, reason);
        _node.Publish(new MessageFailed(_node.Now, PeerKey.TryParse(message.Address, out var to, out _) ? to : default, message.Id, reason));
    }

    private ValueTask OnAckAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var id = AckMessage.Decode(body).MessageId;
        // A peer that is not trusted has its acks applied at its pace; then reading waits while this peer has its
        // share of acks unapplied: an ACK flood costs fixed memory and bounded work.
        var paced = _node.Pacing.WaitForAckAsync(session, session.RemoteId);
        if (!paced.IsCompletedSuccessfully)
            return ApplyWhenFreeAsync(session, id, paced);
        return session.PendingAcks.TryTake() ? Apply(session, id) : ApplyWhenFreeAsync(session, id, default);
    }

    private async ValueTask ApplyWhenFreeAsync(SecureSession session, Guid id, ValueTask paced)
    {
        await paced.ConfigureAwait(false);
        await session.WaitForAckSlotAsync().ConfigureAwait(false);
        await Apply(session, id).ConfigureAwait(false);
    }

    private ValueTask Apply(SecureSession session, Guid id)
    {
        Acknowledged(id, session.RemoteId, session.Address, session.PendingAcks.ReleaseAction);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// <paramref name="from"/> has the message: by ACK on its session, or by a signed receipt that came back
    /// through a mailbox (<paramref name="address"/> is then where it was last seen, or default).
    /// <paramref name="applied"/> runs once the acknowledgement is written (it frees the session's ack slot).
    /// </summary>
    public void Acknowledged(Guid id, PeerId from, PeerKey address, Action? applied = null) =>
        _node.Store.AppendAcknowledgement(id, TargetOf(from), settled =>
        {
            applied?.Invoke();
            if (!settled)
                return;
            if (_deliveries.TryRemove(id, out var waiting))
                waiting.TrySetResult();
            _node.Publish(new MessageDelivered(_node.Now, address, from, id));
        });

    public void Dispose() => _wake.Dispose();

    /// <summary>
    /// How far a target's messages were written on which session; read and changed under its flush lock. And how far
    /// they were written and queued to be recorded as sent (<see cref="Recorded"/>), which a flush reads without the lock.
    /// </summary>
    private sealed class FlushMark
    {
        public SecureSession? Session { get; private set; }

        public long Sequence { get; private set; }

        /// <summary>Replaced whole, never changed: a reader without the lock sees one consistent mark.</summary>
        public Watermark? Recorded { get; private set; }

        /// <summary>When what <see cref="Session"/> was given was written (for writing again what it never acknowledged).</summary>
        public WriteTimes Written { get; } = new();

        public void Advance(SecureSession session, long sequence)
        {
            if (session != Session)
                Written.Clear();
            (Session, Sequence) = (session, sequence);
        }

        public void Record(SecureSession session, Task? marked) => Recorded = new Watermark(session, Sequence, marked ?? Task.CompletedTask);
    }

    /// <summary>Every message up to <paramref name="Sequence"/> is written on <paramref name="Session"/>; <paramref name="Marked"/>
    /// completes once those not yet recorded as sent are.</summary>
    private sealed record Watermark(SecureSession Session, long Sequence, Task Marked);
}
