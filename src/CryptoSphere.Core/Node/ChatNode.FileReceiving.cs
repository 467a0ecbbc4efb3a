using System.Buffers;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// Receiving files: offers wait for the user; accepted ones are written to a temporary file, checked, moved into place.
public sealed partial class ChatNode
{
    /// <summary>FILE_OFFER: a new offer waits for the user (or is refused); a known one is a resume.</summary>
    private ValueTask OnFileOfferAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var offer = FileOfferMessage.Decode(body);
        var peer = session.RemoteId;
        if (_incoming.TryGetValue(offer.TransferId, out var known))
        {
            if (known.PeerId != peer)
                RejectFileFrame(session, "FILE_OFFER", offer.TransferId, $"that ID belongs to a transfer from {known.PeerId.Short}");
            else
                AnswerRepeatedOffer(known, session);
            return ValueTask.CompletedTask;
        }
        if (_outgoing.ContainsKey(offer.TransferId))
        {
            RejectFileFrame(session, "FILE_OFFER", offer.TransferId, "that ID belongs to a transfer this node sends");
            return ValueTask.CompletedTask;
        }
        if (_transfers.Find(offer.TransferId) is { } finished)
        {
            // Finished before a restart, and the sender missed the end: tell it again.
            if (finished.PeerId == peer && !finished.IsOutgoing)
                Track(AnswerFinishedAsync(session, finished));
            else
                RejectFileFrame(session, "FILE_OFFER", offer.TransferId, "that ID belongs to another transfer");
            return ValueTask.CompletedTask;
        }

        var now = Now;
        var name = SafeFileName.Sanitize(offer.Name);
        var folder = DownloadsFolder;
        var info = new TransferInfo(offer.TransferId, TransferDirection.Incoming, peer, session.RemoteHello!.Name, name,
            folder is null ? "" : DownloadFolder.TempPath(folder, offer.TransferId), offer.Size, Convert.ToHexStringLower(offer.Sha256), 0,
            TransferState.Offered, now, now);
        var refusal = RefuseOffer(offer, peer);
        if (refusal is { } r)
        {
            Track(TellPeerAsync(peer, session, new FileDeclineMessage(offer.TransferId, r.Reason, r.Text), static (m, w) => m.Encode(w)));
            var reason = $"refused automatically: {r.Text}";
            _log.LogInformation("Offer of {Name} from {PeerId} {Reason}", name, peer.Short, reason);
            Raise(new TransferDeclined(now, info with { State = TransferState.Declined, Error = reason }, reason));
            return ValueTask.CompletedTask;
        }

        var transfer = new IncomingTransfer(info, offer.Sha256, folder!, new TransferMeter(_clock, _options.TransferProgressInterval))
        {
            Session = session,
        };
        if (!_incoming.TryAdd(offer.TransferId, transfer))
            return ValueTask.CompletedTask;
        _log.LogInformation("{PeerId} offers {Name} ({Size} bytes) as transfer {Id}", peer.Short, name, offer.Size, offer.TransferId);
        if (_options.AutoAcceptFromTrusted && Trust.StateOf(peer) == TrustState.Trusted)
            Track(AcceptAsync(transfer));
        else
            Raise(new TransferOffered(now, transfer.Snapshot(), session.Address));
        return ValueTask.CompletedTask;
    }

    /// <summary>Why an offer is refused before the user sees it, or null.</summary>
    private (DeclineReason Reason, string Text)? RefuseOffer(FileOfferMessage offer, Identity.PeerId peer)
    {
        if (offer.Size > _options.MaxTransferBytes)
            return (DeclineReason.TooLarge,
                $"the file is {Sizes.Describe(offer.Size)} ({offer.Size:N0} bytes), over the receiver's limit of {Sizes.Describe(_options.MaxTransferBytes)} per transfer");
        if (DownloadsFolder is null)
            return (DeclineReason.Unavailable, "the receiver has no downloads folder");
        if (_options.Accept == AcceptPolicy.Trusted && Trust.StateOf(peer) != TrustState.Trusted)
            return (DeclineReason.Unavailable, "the receiver only accepts files from peers it trusts");
        if (OfferLimits.Refusal(_incoming.Values, peer, Trust.StateOf(peer) == TrustState.Trusted, _options.MaxPendingOffersPerPeer,
                _options.MaxPendingOffers) is { } tooMany)
            return (DeclineReason.Unavailable, tooMany);
        return null;
    }

    private void ExpireOffers()
    {
        foreach (var id in OfferLimits.Expired(_incoming.Values, Now, _options.PendingOfferLifetime))
            Track(DeclineTransferAsync(id, $"not answered within {Describe(_options.PendingOfferLifetime)}"));
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
                Track(ResumeIncomingAsync(transfer, session));
                break;
            default:
                Track(AnswerFinishedAsync(session, transfer.Snapshot()));
                break;
        }
    }

    /// <summary>Tells the sender how a transfer it still offers ended here.</summary>
    private async Task AnswerFinishedAsync(SecureSession session, TransferInfo finished)
    {
        try
        {
            switch (finished.State)
            {
                case TransferState.Completed:
                    await session.SendAsync(new FileResultMessage(finished.Id, FileResultStatus.Ok, ""), static (m, w) => m.Encode(w)).ConfigureAwait(false);
                    break;
                case TransferState.Declined:
                    await session.SendAsync(new FileDeclineMessage(finished.Id, DeclineReason.Declined, finished.Error ?? ""), static (m, w) => m.Encode(w))
                        .ConfigureAwait(false);
                    break;
                default:
                    await session.SendAsync(new FileCancelMessage(finished.Id, finished.Error ?? finished.State.ToString().ToLowerInvariant()),
                        static (m, w) => m.Encode(w)).ConfigureAwait(false);
                    break;
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Accepts an offer: only now is anything written (an empty temporary file in the downloads folder).</summary>
    public async Task<TransferActionResult> AcceptTransferAsync(Guid id)
    {
        if (!_incoming.TryGetValue(id, out var transfer))
            return TransferActionResult.Failed($"no incoming transfer {id}");
        lock (transfer.Gate)
        {
            if (transfer.State != TransferState.Offered)
                return TransferActionResult.Failed($"transfer {id} is not waiting for an answer (it is {transfer.State.ToString().ToLowerInvariant()})");
        }
        return await AcceptAsync(transfer).ConfigureAwait(false);
    }

    private async Task<TransferActionResult> AcceptAsync(IncomingTransfer transfer)
    {
        lock (transfer.Gate)
        {
            if (transfer.State != TransferState.Offered)
                return TransferActionResult.Failed($"transfer {transfer.Id} is not waiting for an answer");
            transfer.State = TransferState.Active;
            transfer.Updated = Now;
        }
        _log.LogInformation("Transfer {Id} of {Name} accepted", transfer.Id, transfer.Name);
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
            var reason = $"the receiver cannot write to {transfer.Folder}: {e.Message}";
            lock (transfer.Gate)
                transfer.State = TransferState.Failed;
            await TellPeerAsync(transfer.PeerId, session, new FileCancelMessage(transfer.Id, reason), static (m, w) => m.Encode(w)).ConfigureAwait(false);
            FinishIncoming(transfer, TransferState.Failed, reason, t => new TransferFailed(Now, t, reason));
            return TransferActionResult.Failed(reason);
        }
        var live = session is { Completion.IsCompleted: false } ? session : FindSession(transfer.PeerId);
        lock (transfer.Gate)
        {
            if (transfer.State.IsFinished())
                return TransferActionResult.Failed($"transfer {transfer.Id} is {transfer.State.ToString().ToLowerInvariant()}");
            transfer.State = live is null ? TransferState.Interrupted : TransferState.Active;
            transfer.Session = live;
            transfer.Updated = Now;
            transfer.Meter.Reset();
        }
        SaveTransfer(transfer.Snapshot());
        if (live is null)
        {
            if (first)
                Raise(new TransferInterrupted(Now, transfer.Snapshot(), "accepted while the sender is offline; starts when it is back"));
            return TransferActionResult.Ok;
        }
        Raise(new TransferAccepted(Now, transfer.Snapshot(), offset));
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
    public async Task<TransferActionResult> DeclineTransferAsync(Guid id, string? reason = null)
    {
        if (!_incoming.TryGetValue(id, out var transfer))
            return TransferActionResult.Failed($"no incoming transfer {id}");
        lock (transfer.Gate)
        {
            if (transfer.State != TransferState.Offered)
                return TransferActionResult.Failed($"transfer {id} is not waiting for an answer (it is {transfer.State.ToString().ToLowerInvariant()})");
            transfer.State = TransferState.Declined;
        }
        await TellPeerAsync(transfer.PeerId, transfer.Session, new FileDeclineMessage(id, DeclineReason.Declined, reason ?? ""),
            static (m, w) => m.Encode(w)).ConfigureAwait(false);
        var text = reason is null ? "declined by you" : $"declined by you: {reason}";
        FinishIncoming(transfer, TransferState.Declined, text, t => new TransferDeclined(Now, t, text));
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
            if (written - transfer.AckedToPeer >= FileAckIntervalBytes || written == transfer.Size)
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
            SaveProgressThrottled(transfer.Id, written, () => transfer.LastSaved, t => transfer.LastSaved = t);
        }
        if (transfer.Meter.TryReport(written, transfer.Size, out var rate, out var remaining))
            Raise(new TransferProgress(Now, transfer.Snapshot(), rate, remaining));
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
        Track(Task.Run(() => VerifyAsync(transfer, session)));
    }

    private async Task VerifyAsync(IncomingTransfer transfer, SecureSession session)
    {
        FileResultStatus status;
        string reason;
        try
        {
            status = await transfer.FinishAsync().ConfigureAwait(false);
            reason = status == FileResultStatus.Ok
                ? ""
                : "SHA-256 mismatch: the data received differs from the file offered; the partial file was deleted";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or OperationCanceledException)
        {
            transfer.Discard();
            status = FileResultStatus.Failed;
            reason = $"the receiver could not finish the file: {e.Message}";
        }
        await TellPeerAsync(transfer.PeerId, session, new FileResultMessage(transfer.Id, status, reason), static (m, w) => m.Encode(w))
            .ConfigureAwait(false);
        if (status == FileResultStatus.Ok)
            FinishIncoming(transfer, TransferState.Completed, null, t => new TransferCompleted(Now, t));
        else
            FinishIncoming(transfer, TransferState.Failed, reason, t => new TransferFailed(Now, t, reason));
    }

    /// <summary>The incoming transfer a frame is about, when it comes from the peer that offered it.</summary>
    private bool FindIncoming(SecureSession session, string what, Guid id, out IncomingTransfer transfer)
    {
        if (_incoming.TryGetValue(id, out transfer!) && transfer.PeerId == session.RemoteId)
            return true;
        RejectFileFrame(session, what, id, transfer is null ? "no such transfer was offered" : "it belongs to another peer");
        // Tell a confused sender to stop (never in answer to a cancel, so two nodes cannot loop).
        if (transfer is null)
            Track(TellPeerAsync(session.RemoteId, session, new FileCancelMessage(id, "unknown transfer"), static (m, w) => m.Encode(w)));
        return false;
    }

    /// <summary>The sender broke a rule (or the disk failed): this transfer ends, nothing else changes.</summary>
    private async Task FailIncomingAsync(IncomingTransfer transfer, SecureSession session, string reason)
    {
        lock (transfer.Gate)
        {
            if (transfer.State.IsFinished())
                return;
            transfer.State = TransferState.Failed;
        }
        transfer.Discard();
        await TellOrRememberAsync(transfer.PeerId, session, new FileCancelMessage(transfer.Id, reason)).ConfigureAwait(false);
        FinishIncoming(transfer, TransferState.Failed, reason, t => new TransferFailed(Now, t, reason));
    }

    /// <summary>Records the final state, saves, logs and raises the event.</summary>
    private void FinishIncoming(IncomingTransfer transfer, TransferState state, string? reason, Func<TransferInfo, NodeEvent> describe)
    {
        lock (transfer.Gate)
        {
            transfer.State = state;
            transfer.Error = reason ?? transfer.Error;
            transfer.Updated = Now;
        }
        var info = transfer.Snapshot();
        SaveTransfer(info);
        if (state == TransferState.Completed)
            _log.LogInformation("Transfer {Id} from {PeerId} verified and saved as {Path}", info.Id, info.PeerId.Short, info.Path);
        else
            _log.LogWarning("Transfer {Id} of {Name} from {PeerId} {State}: {Reason}", info.Id, info.Name, info.PeerId.Short, state, reason);
        Raise(describe(info));
    }
}
