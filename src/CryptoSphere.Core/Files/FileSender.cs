using System.Buffers;
using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Files;

/// <summary>Sending files: the offer, then chunks under the peer's window until the receiver's verdict.</summary>
internal sealed class FileSender
{
    private const int MinFileWindowBytes = 512 * 1024;

    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly SessionDialer _dialer;
    private readonly FileContext _files;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, SendWindow> _sendWindows = new();

    public FileSender(NodeRuntime node, SessionRegistry sessions, SessionDialer dialer, FileContext files, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _dialer = dialer;
        _files = files;
        _log = node.Logger<FileSender>();
        router.Handle(FrameType.FileAccept, OnFileAcceptAsync);
        router.Handle(FrameType.FileDecline, OnFileDeclineAsync);
        router.Handle(FrameType.FileAck, OnFileAckAsync);
        router.Handle(FrameType.FileResult, OnFileResultAsync);
    }

    /// <summary>
    /// Test seam: while set, a run cut off while another session is up waits for this task before offering the file
    /// again there, so a test can put that offer after the one the other session made when it opened (the two race, and
    /// look the same on the wire). Never set in a running node.
    /// </summary>
    internal Task? OfferAgainHeldUntil { get; set; }

    /// <summary>
    /// Offers a file to a peer by address. Only CryptoSphere nodes can receive files: an old (legacy) peer is
    /// refused with a clear error, and so is a node whose version does not announce file transfer.
    /// </summary>
    public async Task<OfferResult> OfferAsync(PeerKey to, string path, string? name = null, CancellationToken cancellationToken = default)
    {
        var session = _sessions.Find(to);
        if (session is null)
        {
            if (_sessions.IsKnownLegacy(to))
                return CannotReceiveFiles(to);
            var dial = await _dialer.DialAsync(to, _sessions.KnownSecureId(to), cancellationToken, keepSilent: true).ConfigureAwait(false);
            if (dial.MayFallBackToLegacy)
            {
                // Nothing was written on the silent connection, so a node too busy to greet within the wait can still
                // greet on it (docs/protocol.md §2.1): then it is dialled over TLS, as messages to it are from then on.
                if (!await GreetsLateAsync(dial.Silent, cancellationToken).ConfigureAwait(false))
                {
                    _sessions.MarkLegacy(to);
                    return CannotReceiveFiles(to);
                }
                FilesLog.GreetedLate(_log, to);
                _sessions.MarkCryptoSphere(to);
                dial = await _dialer.DialAsync(to, null, cancellationToken).ConfigureAwait(false);
            }
            if (dial.Session is null)
                return OfferResult.Failed($"cannot reach {to}: {dial.Error}");
            session = dial.Session;
        }
        return await OfferOnSessionAsync(session, path, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Offers a file to a peer by ID, over its live connection or at its last known address.</summary>
    public async Task<OfferResult> OfferAsync(PeerId to, string path, string? name = null, CancellationToken cancellationToken = default)
    {
        // As a message: a blocked peer is never dialled, and "no known address" hid why.
        if (_node.Trust.StateOf(to) == TrustState.Blocked)
            return OfferResult.Failed($"{to.Short} is blocked; unblock it to send to it");
        var session = _sessions.Find(to);
        if (session is null)
        {
            var address = _node.Peers.Find(to)?.Key ?? (PeerKey.TryParse(_node.Trust.Find(to)?.LastAddress, out var known, out _) ? known : (PeerKey?)null);
            if (address is not { } a)
                return OfferResult.Failed($"no known address for peer {to.Short}");
            var dial = await _dialer.DialAsync(a, to, cancellationToken).ConfigureAwait(false);
            if (dial.Session is null)
                return OfferResult.Failed($"cannot reach {to.Short} at {a}: {dial.Error}");
            session = dial.Session;
        }
        return await OfferOnSessionAsync(session, path, name, cancellationToken).ConfigureAwait(false);
    }

    // An old peer never writes on a connection it accepted; a CryptoSphere listener greets, late when it is busy.
    private async Task<bool> GreetsLateAsync(System.Net.Sockets.Socket? silent, CancellationToken cancellationToken)
    {
        if (silent is null)
            return false;
        using (silent)
            return await ServerGreeting.AwaitAsync(silent, _node.Options.ConnectTimeout, cancellationToken).ConfigureAwait(false)
                is ServerGreeting.Answer.Greeted;
    }

    private OfferResult CannotReceiveFiles(PeerKey to)
    {
        var error = $"{to} is an old peer that only speaks the legacy (unencrypted) protocol: it cannot receive files. " +
                    "Files go only to CryptoSphere nodes over the secure protocol";
        FilesLog.CannotReceive(_log, to, error);
        return OfferResult.Failed(error);
    }

    private async Task<OfferResult> OfferOnSessionAsync(SecureSession session, string path, string? name, CancellationToken cancellationToken)
    {
        var peer = session.RemoteId;
        var peerName = session.RemoteHello!.Name;
        if ((session.RemoteHello.Capabilities & Capabilities.FileTransfer) == 0)
            return OfferResult.Failed($"{peerName} ({peer.Short}) runs a CryptoSphere version without file transfer: it cannot receive files");

        string full;
        FileInfo file;
        try
        {
            full = Path.GetFullPath(path);
            file = new FileInfo(full);
            // Before anything opens it: a device or FIFO would be hashed for ever, or block the open itself.
            if (!file.Exists || SourceFile.Problem(path) is not null)
                return OfferResult.Failed(SourceFile.Problem(path) ?? $"{path} changed while it was read; try again");
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return OfferResult.Failed($"cannot use {path}: {e.Message}");
        }
        var offered = name ?? file.Name;
        if (SafeFileName.OfferProblem(offered) is { } problem)
            return OfferResult.Failed(problem);
        var size = file.Length;
        var writeTime = file.LastWriteTimeUtc.Ticks;

        // The same file to the same peer again (an interrupted send-file run again): continue that transfer.
        var existing = _files.Outgoing.Values.FirstOrDefault(t => t.PeerId == peer && t.Path == full && t.Size == size &&
                                                            t.SourceWriteTime == writeTime && t.Name == offered && !t.State.IsFinished());
        if (existing is null && _files.Store.FindResumable(peer, full, size, writeTime) is { } stored && stored.Name == offered)
        {
            existing = new OutgoingTransfer(stored with { State = TransferState.Interrupted }, Convert.FromHexString(stored.Sha256),
                new TransferMeter(_node.Clock, _node.Options.TransferProgressInterval));
            existing = _files.Outgoing.GetOrAdd(stored.Id, existing);
        }

        var transfer = existing;
        if (transfer is null)
        {
            byte[] hash;
            try
            {
                hash = await FileHash.ComputeAsync(full, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return OfferResult.Failed($"cannot read {path}: {e.Message}");
            }
            var now = _node.Now;
            var info = new TransferInfo(Guid.CreateVersion7(), TransferDirection.Outgoing, peer, peerName, offered, full, size,
                Convert.ToHexStringLower(hash), 0, TransferState.Offered, now, now) { SourceWriteTime = writeTime };
            transfer = new OutgoingTransfer(info, hash, new TransferMeter(_node.Clock, _node.Options.TransferProgressInterval));
            _files.Outgoing[info.Id] = transfer;
            _files.Save(info);
            FilesLog.Offering(_log, offered, size, peer.Short, info.Id);
        }
        else
        {
            lock (transfer.Gate)
                transfer.OfferedOn = null; // offer it again even on the same session
            FilesLog.Resuming(_log, transfer.Id, offered, peer.Short);
        }

        // The session may have dropped while the file was hashed: the offer then goes out when the peer is back.
        var live = session.Completion.IsCompleted ? _sessions.Find(peer) : session;
        if (live is not null)
            await SendOfferAsync(transfer, live).ConfigureAwait(false);
        return new OfferResult(true, null, FileContext.Snapshot(transfer)) { Resumed = existing is not null };
    }

    public static async Task SendOfferAsync(OutgoingTransfer transfer, SecureSession session)
    {
        lock (transfer.Gate)
        {
            if (transfer.State.IsFinished())
                return;
            transfer.OfferedOn = session;
            transfer.PeerName = session.RemoteHello?.Name ?? transfer.PeerName;
        }
        if ((session.RemoteHello!.Capabilities & Capabilities.FileTransfer) == 0)
            return;
        try
        {
            await session.SendAsync(transfer.Offer(), static (m, w) => m.Encode(w)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Offered again on the next session with this peer.
        }
    }

    /// <summary>FILE_ACCEPT: start (or resume) sending from the offset the receiver holds.</summary>
    private ValueTask OnFileAcceptAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var accept = FileAcceptMessage.Decode(body);
        if (!FindOutgoing(session, "FILE_ACCEPT", accept.TransferId, out var transfer) || _files.IsSuperseded(session, "FILE_ACCEPT", transfer.Id))
            return ValueTask.CompletedTask;
        if (accept.Offset > transfer.Size)
        {
            FailOutgoing(transfer, $"the receiver asked to start at byte {accept.Offset} of a {transfer.Size}-byte file", tellPeer: true);
            return ValueTask.CompletedTask;
        }
        OutgoingTransfer.Run run;
        lock (transfer.Gate)
        {
            if (transfer.State.IsFinished() || transfer.IsRunningOn(session))
                return ValueTask.CompletedTask;
            transfer.State = TransferState.Active;
            transfer.Updated = _node.Now;
            transfer.Meter.Reset();
            var window = _sendWindows.GetOrAdd(transfer.PeerId.Value, _ => new SendWindow(Math.Max(MinFileWindowBytes, _node.Options.FileWindowBytes)));
            run = transfer.BeginRun(session, accept.Offset, window, _node.Stopping);
        }
        _files.Save(FileContext.Snapshot(transfer));
        FilesLog.Sending(_log, transfer.Id, session.RemoteId.Short, accept.Offset);
        _node.Publish(new TransferAccepted(_node.Now, FileContext.Snapshot(transfer), accept.Offset));
        _node.Work.Track(Task.Run(() => PumpAsync(transfer, run)));
        return ValueTask.CompletedTask;
    }

    private async Task PumpAsync(OutgoingTransfer transfer, OutgoingTransfer.Run run)
    {
        var chunk = Math.Clamp(_node.Options.FileChunkBytes, 1024, FileChunkMessage.MaxDataBytes);
        var outcome = await transfer.PumpAsync(run, chunk).ConfigureAwait(false);
        switch (outcome.Kind)
        {
            case PumpOutcomeKind.Sent:
                FilesLog.AllSent(_log, transfer.Id);
                break;
            case PumpOutcomeKind.Interrupted:
                lock (transfer.Gate)
                {
                    if (!transfer.IsCurrent(run) || transfer.State != TransferState.Active)
                        return;
                    transfer.EndRun();
                    transfer.State = TransferState.Interrupted;
                    transfer.Updated = _node.Now;
                }
                _files.Save(FileContext.Snapshot(transfer));
                _node.Publish(new TransferInterrupted(_node.Now, FileContext.Snapshot(transfer), $"connection lost ({outcome.Reason}); resumes when the peer is back"));
                if (OfferAgainHeldUntil is { } held)
                    await held.ConfigureAwait(false);
                // The run was on a session that lost to another one still up: that one opened earlier and will not
                // open again, so the offer goes out on it now.
                if (_sessions.Find(transfer.PeerId) is { } live && live != run.Session)
                    await SendOfferAsync(transfer, live).ConfigureAwait(false);
                break;
            case PumpOutcomeKind.Failed when transfer.IsCurrent(run):
                FailOutgoing(transfer, outcome.Failure!, tellPeer: true);
                break;
        }
    }

    /// <summary>FILE_ACK: the receiver has written that much; frees window and reports progress.</summary>
    private ValueTask OnFileAckAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var ack = FileAckMessage.Decode(body);
        if (!FindOutgoing(session, "FILE_ACK", ack.TransferId, out var transfer) || !transfer.OnAck(session, ack.Offset))
            return ValueTask.CompletedTask;
        if (transfer.Meter.TryReport(ack.Offset, transfer.Size, out var rate, out var remaining))
            _node.Publish(new TransferProgress(_node.Now, FileContext.Snapshot(transfer), rate, remaining));
        _files.SaveProgressThrottled(transfer.Id, ack.Offset, () => transfer.LastSaved, t => transfer.LastSaved = t);
        return ValueTask.CompletedTask;
    }

    /// <summary>FILE_DECLINE: the receiver said no, or refused the offer (too large, not accepting files).</summary>
    private ValueTask OnFileDeclineAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var decline = FileDeclineMessage.Decode(body);
        if (!FindOutgoing(session, "FILE_DECLINE", decline.TransferId, out var transfer) || transfer.State.IsFinished())
            return ValueTask.CompletedTask;
        var reason = decline.Reason == DeclineReason.Declined
            ? $"{session.RemoteHello!.Name} declined it" + (decline.Text.Length > 0 ? $": {decline.Text}" : "")
            : $"{session.RemoteHello!.Name} refused it: {decline.Text}";
        Finish(transfer, TransferState.Declined, reason, t => new TransferDeclined(_node.Now, t, reason));
        return ValueTask.CompletedTask;
    }

    /// <summary>FILE_RESULT: the receiver's SHA-256 check, the end of the transfer either way.</summary>
    private ValueTask OnFileResultAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var result = FileResultMessage.Decode(body);
        if (!FindOutgoing(session, "FILE_RESULT", result.TransferId, out var transfer) || transfer.State.IsFinished())
            return ValueTask.CompletedTask;
        switch (result.Status)
        {
            case FileResultStatus.Ok:
                lock (transfer.Gate)
                    transfer.Acked = transfer.Size;
                Finish(transfer, TransferState.Completed, null, t => new TransferCompleted(_node.Now, t));
                break;
            case FileResultStatus.HashMismatch:
                var mismatch = $"SHA-256 mismatch: what {session.RemoteHello!.Name} received differs from the file offered " +
                               "(corrupted on the way, or the file changed while it was sent); the receiver deleted it";
                Finish(transfer, TransferState.Failed, mismatch, t => new TransferFailed(_node.Now, t, mismatch));
                break;
            default:
                var failed = $"{session.RemoteHello!.Name} could not finish: {result.Reason}";
                Finish(transfer, TransferState.Failed, failed, t => new TransferFailed(_node.Now, t, failed));
                break;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The outgoing transfer a frame is about, when the frame comes from the peer it was offered to.</summary>
    private bool FindOutgoing(SecureSession session, string what, Guid id, out OutgoingTransfer transfer)
    {
        if (!_files.Outgoing.TryGetValue(id, out transfer!))
        {
            _files.RejectFrame(session, what, id, "no such transfer was offered");
            return false;
        }
        if (transfer.PeerId != session.RemoteId)
        {
            // Somebody else's transfer: ignored, and nothing is sent to them.
            _files.RejectFrame(session, what, id, $"it was offered to {transfer.PeerId.Short}, not to {session.RemoteId.Short}");
            return false;
        }
        return true;
    }

    /// <summary>The transfer fails: the user sees the whole reason, the receiver only its part without local paths.</summary>
    private void FailOutgoing(OutgoingTransfer transfer, TransferFailure failure, bool tellPeer)
    {
        var reason = failure.Local;
        OutgoingTransfer.Run? run;
        lock (transfer.Gate)
        {
            if (transfer.State.IsFinished())
                return;
            transfer.State = TransferState.Failed;
            run = transfer.EndRun();
        }
        if (tellPeer)
            _node.Work.Track(_files.TellOrRememberAsync(transfer.PeerId, run?.Session ?? transfer.OfferedOn, new FileCancelMessage(transfer.Id, failure.Peer)));
        Finish(transfer, TransferState.Failed, reason, t => new TransferFailed(_node.Now, t, reason));
    }

    /// <summary>Records the final state, stops the pump, saves, logs and raises the event.</summary>
    public void Finish(OutgoingTransfer transfer, TransferState state, string? reason, Func<TransferInfo, NodeEvent> describe)
    {
        TransferInfo info;
        lock (transfer.Gate)
        {
            transfer.State = state;
            transfer.Error = reason ?? transfer.Error;
            transfer.Updated = _node.Now;
            transfer.EndRun();
            info = transfer.Snapshot();
        }
        _files.Save(info);
        if (state == TransferState.Completed)
            FilesLog.Sent(_log, info.Id, info.Name, info.PeerId.Short);
        else
            FilesLog.OutgoingEnded(_log, info.Id, info.Name, info.PeerId.Short, state, reason);
        _node.Publish(describe(info));
    }

}
