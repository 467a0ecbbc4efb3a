using System.Buffers;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Files;

/// <summary>Receiving files: offers wait for the user; accepted ones are written to a temporary file, checked, moved into place.</summary>
internal sealed class FileReceiver
{
    /// <summary>Receivers acknowledge at least this often (and at the end); senders need a larger window.</summary>
    public const int AckIntervalBytes = 256 * 1024;

    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly FileContext _files;
    private readonly ILogger _log;

    public FileReceiver(NodeRuntime node, SessionRegistry sessions, FileContext files, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _files = files;
        _log = node.Logger<FileReceiver>();
        router.Handle(FrameType.FileOffer, OnFileOfferAsync);
        router.Handle(FrameType.FileChunk, OnFileChunkAsync);
        router.Handle(FrameType.FileDone, OnFileDoneAsync);
    }

    /// <summary>FILE_OFFER: a new offer waits for the user (or is refused); a known one is a resume.</summary>
    private ValueTask OnFileOfferAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var offer = FileOfferMessage.Decode(body);
        var peer = session.RemoteId;
        if (_files.Incoming.TryGetValue(offer.TransferId, out var known))
        {
            if (known.PeerId != peer)
                _files.RejectFrame(session, "FILE_OFFER", offer.TransferId, $"that ID belongs to a transfer from {known.PeerId.Short}");
            else if (!_files.IsSuperseded(session, "FILE_OFFER", known.Id))
                AnswerRepeatedOffer(known, session);
            return ValueTask.CompletedTask;
        }
        if (_files.Outgoing.ContainsKey(offer.TransferId))
        {
            _files.RejectFrame(session, "FILE_OFFER", offer.TransferId, "that ID belongs to a transfer this node sends");
            return ValueTask.CompletedTask;
        }
        if (_files.Store.Find(offer.TransferId) is { } finished)
        {
            // Finished before a restart, and the sender missed the end: tell it again.
            if (finished.PeerId == peer && !finished.IsOutgoing)
                _node.Work.Track(FinishedTransferReply.SendAsync(session, finished));
            else
                _files.RejectFrame(session, "FILE_OFFER", offer.TransferId, "that ID belongs to another transfer");
            return ValueTask.CompletedTask;
        }

        var now = _node.Now;
        var name = SafeFileName.Sanitize(offer.Name);
        var folder = _files.DownloadsFolder;
        var info = new TransferInfo(offer.TransferId, TransferDirection.Incoming, peer, session.RemoteHello!.Name, name,
            folder is null ? "" : DownloadFolder.TempPath(folder, offer.TransferId), offer.Size, Convert.ToHexStringLower(offer.Sha256), 0,
            TransferState.Offered, now, now);
        var refusal = OfferScreening.Refusal(offer, peer, _node, _files);
        if (refusal is { } r)
        {
            _node.Work.Track(_files.TellPeerAsync(peer, session, new FileDeclineMessage(offer.TransferId, r.Reason, r.Text), static (m, w) => m.Encode(w)));
            var reason = $"refused automatically: {r.Text}";
            FilesLog.OfferRefused(_log, name, peer.Short, reason);
            _node.Publish(new TransferDeclined(now, info with { State = TransferState.Declined, Error = reason }, reason));
            return ValueTask.CompletedTask;
        }

        var transfer = new IncomingTransfer(info, offer.Sha256, folder!, new TransferMeter(_node.Clock, _node.Options.TransferProgressInterval))
        {
            Session = session,
        };
        if (!_files.Incoming.TryAdd(offer.TransferId, transfer))
            return ValueTask.CompletedTask;
        FilesLog.Offered(_log, peer.Short, name, offer.Size, offer.TransferId);
        if (_node.Options.AutoAcceptFromTrusted && _node.Trust.StateOf(peer) == TrustState.Trusted)
            _node.Work.Track(AcceptOfferAsync(transfer));
        else
            _node.Publish(new TransferOffered(now, transfer.Snapshot(), session.Address));
        return ValueTask.CompletedTask;
    }

    /// <summary>Declines offers nobody answered within <see cref="NodeOptions.PendingOfferLifetime"/>, until the node stops.</summary>
    public async Task ExpireOffersAsync()
    {
        // A sixtieth of the lifetime (at most a minute, at least the check interval): an offer is declined that little
        // late, and an idle node is not woken every second for it.
        using var timer = new PeriodicTimer(IdleBackoff.TickFor(_node.Options.PendingOfferLifetime, _node.Options.InactivityCheckInterval), _node.Clock);
        using var stop = timer.StopOn(_node.Stopping);
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            var lifetime = _node.Options.PendingOfferLifetime;
            foreach (var id in OfferLimits.Expired(_files.Incoming.Values, _node.Now, lifetime))
                _node.Work.Track(DeclineAsync(id, $"not answered within {OfferLimits.Describe(lifetime)}"));
        }
    }

    /// <summary>A transfer we know is offered again: the sender reconnected (or restarted) and wants to resume.</summary>
    private void AnswerRepeatedOffer(IncomingTransfer transfer, SecureSession session)
    {
        TransferState state;
        lock (transfer.Gate)
        {
            state = transfer.State;
            if (state == TransferState.Offered)
            {
                transfer.Session = session; // the user's answer goes to the newest connection
                return;
            }
        }
        switch (state)
        {
            case TransferState.Active or TransferState.Interrupted:
                _node.Work.Track(ResumeIncomingAsync(transfer, session));
                break;
            default:
                _node.Work.Track(FinishedTransferReply.SendAsync(session, transfer.Snapshot()));
                break;
        }
    }

    /// <summary>Accepts an offer: only now is anything written (an empty temporary file in the downloads folder).</summary>
    public async Task<TransferActionResult> AcceptAsync(Guid id)
    {
        if (!_files.Incoming.TryGetValue(id, out var transfer))
            return TransferActionResult.Failed($"no incoming transfer {id}");
        lock (transfer.Gate)
        {
            if (transfer.State != TransferState.Offered)
                return TransferActionResult.Failed($"transfer {id} is not waiting for an answer (it is {transfer.State.ToString().ToLowerInvariant()})");
        }
        return await AcceptOfferAsync(transfer).ConfigureAwait(false);
    }

    public async Task<TransferActionResult> AcceptOfferAsync(IncomingTransfer transfer)
    {
        lock (transfer.Gate)
        {
            if (transfer.State != TransferState.Offered)
                return TransferActionResult.Failed($"transfer {transfer.Id} is not waiting for an answer");
            transfer.State = TransferState.Active;
            transfer.Updated = _node.Now;
        }
        FilesLog.Accepted(_log, transfer.Id, transfer.Name);
        return await ResumeIncomingAsync(transfer, transfer.Session, first: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the temporary file (hashing what it holds, off the connection's read loop), records the transfer,
    /// and asks the sender to send from there.
    /// </summary>
    private async Task<TransferActionResult> ResumeIncomingAsync(IncomingTransfer transfer, SecureSession? session, bool first = false)
    {
        long offset;
        try
        {
            offset = transfer.Open(OnIncomingWrittenAsync);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var failure = TransferFailure.ReceiverCannotWrite($"the receiver cannot write to {transfer.Folder}", e);
            var reason = failure.Local;
            lock (transfer.Gate)
                transfer.State = TransferState.Failed;
            await _files.TellPeerAsync(transfer.PeerId, session, new FileCancelMessage(transfer.Id, failure.Peer), static (m, w) => m.Encode(w)).ConfigureAwait(false);
            Finish(transfer, TransferState.Failed, reason, t => new TransferFailed(_node.Now, t, reason));
            return TransferActionResult.Failed(reason);
        }
        // The peer's current session first: an answer to an offer that came on a session since replaced (these run as
        // tasks, so in no set order) must not point the chunks at the session that is closing.
        var live = _sessions.Find(transfer.PeerId) ?? (session is { Completion.IsCompleted: false } ? session : null);
        lock (transfer.Gate)
        {
            if (transfer.State.IsFinished())
                return TransferActionResult.Failed($"transfer {transfer.Id} is {transfer.State.ToString().ToLowerInvariant()}");
            transfer.State = live is null ? TransferState.Interrupted : TransferState.Active;
            transfer.Session = live;
            transfer.Updated = _node.Now;
            transfer.Meter.Reset();
        }
        _files.Save(transfer.Snapshot());
        if (live is null)
        {
            if (first)
                _node.Publish(new TransferInterrupted(_node.Now, transfer.Snapshot(), "accepted while the sender is offline; starts when it is back"));
            return TransferActionResult.Ok;
        }
        _node.Publish(new TransferAccepted(_node.Now, transfer.Snapshot(), offset));
        try
        {
            await live.SendAsync(new FileAcceptMessage(transfer.Id, offset), static (m, w) => m.Encode(w)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The sender offers it again when it is back, and we answer from the file we hold.
        }
        return TransferActionResult.Ok;
    }

    /// <summary>Declines an offer; the sender is told. Nothing was written.</summary>
    public async Task<TransferActionResult> DeclineAsync(Guid id, string? reason = null)
    {
        if (!_files.Incoming.TryGetValue(id, out var transfer))
            return TransferActionResult.Failed($"no incoming transfer {id}");
        lock (transfer.Gate)
        {
            if (transfer.State != TransferState.Offered)
                return TransferActionResult.Failed($"transfer {id} is not waiting for an answer (it is {transfer.State.ToString().ToLowerInvariant()})");
            transfer.State = TransferState.Declined;
        }
        await _files.TellPeerAsync(transfer.PeerId, transfer.Session, new FileDeclineMessage(id, DeclineReason.Declined, reason ?? ""),
            static (m, w) => m.Encode(w)).ConfigureAwait(false);
        var text = reason is null ? "declined by you" : $"declined by you: {reason}";
        Finish(transfer, TransferState.Declined, text, t => new TransferDeclined(_node.Now, t, text));
        return TransferActionResult.Ok;
    }

    /// <summary>FILE_CHUNK: checked and handed to the transfer's writer (the read loop waits only when its queue is full).</summary>
    private async ValueTask OnFileChunkAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var chunk = FileChunkMessage.Decode(body);
        if (!FindIncoming(session, "FILE_CHUNK", chunk.TransferId, out var transfer))
            return;
        if (await transfer.WriteAsync(session, chunk).ConfigureAwait(false) is { } error)
            await FailIncomingAsync(transfer, session, error).ConfigureAwait(false);
    }

    /// <summary>
    /// The writer wrote up to <paramref name="written"/>: acknowledge every 256 KiB (and at the end), record
    /// the progress about once a second, and report it at most ten times a second.
    /// </summary>
    private async ValueTask OnIncomingWrittenAsync(IncomingTransfer transfer, long written)
    {
        SecureSession? session;
        var ackDue = false;
        lock (transfer.Gate)
        {
            session = transfer.Session;
            if (written - transfer.AckedToPeer >= AckIntervalBytes || written == transfer.Size)
            {
                transfer.AckedToPeer = written;
                ackDue = true;
            }
        }
        if (ackDue && session is not null)
        {
            try
            {
                await session.SendAsync(new FileAckMessage(transfer.Id, written), static (m, w) => m.Encode(w)).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The resume offset tells the sender the same when the connection is back.
            }
            _files.SaveProgressThrottled(transfer.Id, written, () => transfer.LastSaved, t => transfer.LastSaved = t);
        }
        if (transfer.Meter.TryReport(written, transfer.Size, out var rate, out var remaining))
            _node.Publish(new TransferProgress(_node.Now, transfer.Snapshot(), rate, remaining));
    }

    /// <summary>FILE_DONE: every byte was sent; the check (flush, SHA-256, rename) runs off the read loop.</summary>
    private async ValueTask OnFileDoneAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var done = FileDoneMessage.Decode(body);
        if (!FindIncoming(session, "FILE_DONE", done.TransferId, out var transfer))
            return;
        if (done.Size != transfer.Size)
        {
            await FailIncomingAsync(transfer, session, $"the sender finished a {done.Size}-byte file, but offered {transfer.Size} bytes").ConfigureAwait(false);
            return;
        }
        if (!transfer.BeginFinish(session, out var error))
        {
            if (error is not null)
                await FailIncomingAsync(transfer, session, error).ConfigureAwait(false);
            return;
        }
        _node.Work.Track(Task.Run(() => VerifyAsync(transfer, session)));
    }

    private async Task VerifyAsync(IncomingTransfer transfer, SecureSession session)
    {
        FileResultStatus status;
        TransferFailure failure;
        try
        {
            status = await transfer.FinishAsync().ConfigureAwait(false);
            failure = status == FileResultStatus.Ok
                ? ""
                : "SHA-256 mismatch: the data received differs from the file offered; the partial file was deleted";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or OperationCanceledException)
        {
            transfer.Discard();
            status = FileResultStatus.Failed;
            failure = TransferFailure.ReceiverCannotWrite("the receiver could not finish the file", e);
        }
        var reason = failure.Local;
        await _files.TellPeerAsync(transfer.PeerId, session, new FileResultMessage(transfer.Id, status, failure.Peer), static (m, w) => m.Encode(w))
            .ConfigureAwait(false);
        if (status == FileResultStatus.Ok)
            Finish(transfer, TransferState.Completed, null, t => new TransferCompleted(_node.Now, t));
        else
            Finish(transfer, TransferState.Failed, reason, t => new TransferFailed(_node.Now, t, reason));
    }

    /// <summary>The incoming transfer a frame is about, when it comes from the peer that offered it.</summary>
    private bool FindIncoming(SecureSession session, string what, Guid id, out IncomingTransfer transfer)
    {
        if (_files.Incoming.TryGetValue(id, out transfer!) && transfer.PeerId == session.RemoteId)
            return true;
        _files.RejectFrame(session, what, id, transfer is null ? "no such transfer was offered" : "it belongs to another peer");
        // Tell a confused sender to stop (never in answer to a cancel, so two nodes cannot loop).
        if (transfer is null)
            _node.Work.Track(_files.TellPeerAsync(session.RemoteId, session, new FileCancelMessage(id, "unknown transfer"), static (m, w) => m.Encode(w)));
        return false;
    }

    /// <summary>The sender broke a rule (or the disk failed): this transfer ends, nothing else changes.</summary>
    private async Task FailIncomingAsync(IncomingTransfer transfer, SecureSession session, TransferFailure failure)
    {
        var reason = failure.Local;
        lock (transfer.Gate)
        {
            if (transfer.State.IsFinished())
                return;
            transfer.State = TransferState.Failed;
        }
        transfer.Discard();
        await _files.TellOrRememberAsync(transfer.PeerId, session, new FileCancelMessage(transfer.Id, failure.Peer)).ConfigureAwait(false);
        Finish(transfer, TransferState.Failed, reason, t => new TransferFailed(_node.Now, t, reason));
    }

    /// <summary>Records the final state, saves, logs and raises the event.</summary>
    public void Finish(IncomingTransfer transfer, TransferState state, string? reason, Func<TransferInfo, NodeEvent> describe)
    {
        lock (transfer.Gate)
        {
            transfer.State = state;
            transfer.Error = reason ?? transfer.Error;
            transfer.Updated = _node.Now;
        }
        var info = transfer.Snapshot();
        _files.Save(info);
        if (state == TransferState.Completed)
            FilesLog.Received(_log, info.Id, info.PeerId.Short, info.Path);
        else
            FilesLog.IncomingEnded(_log, info.Id, info.Name, info.PeerId.Short, state, reason);
        _node.Publish(describe(info));
    }


    /// <summary>The peer's session ended: incoming transfers that were flowing wait for it to come back.</summary>
    public void Interrupt(PeerId peer, string reason)
    {
        foreach (var t in _files.Incoming.Values.Where(t => t.PeerId == peer))
        {
            lock (t.Gate)
            {
                if (t.State != TransferState.Active || t.Session is { Completion.IsCompleted: false })
                    continue;
                t.State = TransferState.Interrupted;
                t.Updated = _node.Now;
            }
            _files.Save(t.Snapshot());
            _node.Publish(new TransferInterrupted(_node.Now, t.Snapshot(), reason));
        }
    }

}
