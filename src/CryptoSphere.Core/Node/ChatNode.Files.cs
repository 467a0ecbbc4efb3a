using System.Buffers;
using System.Collections.Concurrent;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// File transfer: registration, the list of transfers, cancelling, and resuming when a peer is back.
// Sending is in ChatNode.FileSending.cs, receiving in ChatNode.FileReceiving.cs.
public sealed partial class ChatNode
{
    /// <summary>Receivers acknowledge at least this often (and at the end); senders need a larger window.</summary>
    internal const int FileAckIntervalBytes = 256 * 1024;

    private const int MinFileWindowBytes = 512 * 1024;
    private static readonly TimeSpan TransferSaveInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, OutgoingTransfer> _outgoing = new();
    private readonly ConcurrentDictionary<Guid, IncomingTransfer> _incoming = new();
    private readonly ConcurrentDictionary<string, SendWindow> _sendWindows = new();
    private readonly ConcurrentDictionary<string, byte> _reachingForTransfers = new();
    // Cancels and failures the peer could not be told (it was offline): they go out when it is back.
    private readonly ConcurrentDictionary<Guid, (PeerId Peer, FileCancelMessage Notice)> _untold = new();
    private TransferStore _transfers = null!;

    /// <summary>File transfers in the database, finished ones included.</summary>
    public TransferStore TransferHistory => _transfers;

    /// <summary>Every transfer this node knows about since it started (and unfinished ones from before), oldest first.</summary>
    public IReadOnlyList<TransferInfo> Transfers =>
        _outgoing.Values.Select(t => Snapshot(t)).Concat(_incoming.Values.Select(t => t.Snapshot()))
            .OrderBy(t => t.Created).ThenBy(t => t.Id).ToList();

    public TransferInfo? FindTransfer(Guid id) =>
        _outgoing.TryGetValue(id, out var o) ? Snapshot(o) : _incoming.TryGetValue(id, out var i) ? i.Snapshot() : null;

    /// <summary>Where files handed over by a UI are kept while they are offered: beside the downloads, in the data directory.</summary>
    public string UploadsFolder => Path.Combine(DownloadsFolder ?? Path.GetTempPath(), "uploads");

    /// <summary>Where received files go: the option, else the data directory (the database's folder).</summary>
    private string? DownloadsFolder =>
        _options.DownloadsDirectory ?? (Store.Path is { } db ? Path.GetDirectoryName(Path.GetFullPath(db)) : null);

    partial void InitializeFileTransfer()
    {
        _transfers = new TransferStore(Store);
        Advertise(Capabilities.FileTransfer);
        Handle(FrameType.FileOffer, OnFileOfferAsync);
        Handle(FrameType.FileAccept, OnFileAcceptAsync);
        Handle(FrameType.FileDecline, OnFileDeclineAsync);
        Handle(FrameType.FileChunk, OnFileChunkAsync);
        Handle(FrameType.FileAck, OnFileAckAsync);
        Handle(FrameType.FileDone, OnFileDoneAsync);
        Handle(FrameType.FileCancel, OnFileCancelAsync);
        Handle(FrameType.FileResult, OnFileResultAsync);
        // The node's own events say when it starts, stops and when peers come and go, so the session
        // code stays unaware of files.
        EventRaised += OnNodeEventForFiles;
    }

    private void OnNodeEventForFiles(NodeEvent e)
    {
        switch (e)
        {
            case NodeStarted:
                LoadUnfinishedTransfers();
                break;
            case SecurePeerConnected c when FindSession(c.PeerId) is { } session:
                Track(TellUntoldAsync(session));
                Track(ResumeTransfersAsync(session));
                break;
            case SecurePeerDisconnected d:
                InterruptIncoming(d.PeerId, d.Reason);
                break;
            case NodeStopped:
                foreach (var t in _incoming.Values)
                    t.Close();
                break;
        }
    }

    /// <summary>Stops a transfer for good, from either side; the peer is told, and an incoming partial file is deleted.</summary>
    public async Task<TransferActionResult> CancelTransferAsync(Guid id, string reason = "cancelled by the user")
    {
        if (_outgoing.TryGetValue(id, out var outgoing))
        {
            var run = (OutgoingTransfer.Run?)null;
            lock (outgoing.Gate)
            {
                if (outgoing.State.IsFinished())
                    return TransferActionResult.Failed($"transfer {id} is already {outgoing.State.ToString().ToLowerInvariant()}");
                outgoing.State = TransferState.Cancelled;
                outgoing.Error = reason;
                run = outgoing.EndRun();
            }
            await TellOrRememberAsync(outgoing.PeerId, run?.Session ?? outgoing.OfferedOn, new FileCancelMessage(id, reason)).ConfigureAwait(false);
            FinishOutgoing(outgoing, TransferState.Cancelled, reason, t => new TransferCancelled(Now, t, reason, ByPeer: false));
            return TransferActionResult.Ok;
        }
        if (_incoming.TryGetValue(id, out var incoming))
        {
            lock (incoming.Gate)
            {
                if (incoming.State.IsFinished())
                    return TransferActionResult.Failed($"transfer {id} is already {incoming.State.ToString().ToLowerInvariant()}");
                incoming.State = TransferState.Cancelled;
                incoming.Error = reason;
            }
            incoming.Discard();
            await TellOrRememberAsync(incoming.PeerId, incoming.Session, new FileCancelMessage(id, reason)).ConfigureAwait(false);
            FinishIncoming(incoming, TransferState.Cancelled, reason, t => new TransferCancelled(Now, t, reason, ByPeer: false));
            return TransferActionResult.Ok;
        }
        return TransferActionResult.Failed($"no transfer {id}");
    }

    /// <summary>FILE_CANCEL: the other side stopped a transfer. Never answered, so two nodes cannot ping-pong.</summary>
    private ValueTask OnFileCancelAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var cancel = FileCancelMessage.Decode(body);
        var reason = $"cancelled by {session.RemoteHello!.Name}: {cancel.Reason}";
        if (_outgoing.TryGetValue(cancel.TransferId, out var outgoing) && outgoing.PeerId == session.RemoteId)
        {
            lock (outgoing.Gate)
            {
                if (outgoing.State.IsFinished())
                    return ValueTask.CompletedTask;
                outgoing.State = TransferState.Cancelled;
                outgoing.EndRun();
            }
            FinishOutgoing(outgoing, TransferState.Cancelled, reason, t => new TransferCancelled(Now, t, reason, ByPeer: true));
        }
        else if (_incoming.TryGetValue(cancel.TransferId, out var incoming) && incoming.PeerId == session.RemoteId)
        {
            lock (incoming.Gate)
            {
                if (incoming.State.IsFinished())
                    return ValueTask.CompletedTask;
                incoming.State = TransferState.Cancelled;
                incoming.Error = reason;
            }
            incoming.Discard();
            FinishIncoming(incoming, TransferState.Cancelled, reason, t => new TransferCancelled(Now, t, reason, ByPeer: true));
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>After a restart: unfinished transfers come back, and their peers are dialed so they resume.</summary>
    private void LoadUnfinishedTransfers()
    {
        IReadOnlyList<TransferInfo> stored;
        try
        {
            stored = _transfers.Unfinished();
        }
        catch (Exception e) when (e is Storage.StorageException or Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            _log.LogError("Cannot load unfinished transfers: {Error}", e.Message);
            return;
        }
        foreach (var t in stored)
        {
            var hash = Convert.FromHexString(t.Sha256);
            var meter = new TransferMeter(_clock, _options.TransferProgressInterval);
            if (t.IsOutgoing)
                _outgoing.TryAdd(t.Id, new OutgoingTransfer(t with { State = t.State == TransferState.Offered ? TransferState.Offered : TransferState.Interrupted }, hash, meter));
            else if (DownloadsFolder is { } folder)
            {
                // The temporary file sits next to where it was; the folder is taken from its path.
                var tempFolder = Path.GetDirectoryName(t.Path) ?? folder;
                _incoming.TryAdd(t.Id, new IncomingTransfer(t with { State = TransferState.Interrupted }, hash, tempFolder, meter));
            }
        }
        foreach (var peer in stored.Select(t => t.PeerId).Distinct())
            Track(ReachForTransfersAsync(peer));
        if (stored.Count > 0)
            _log.LogInformation("{Count} unfinished transfer(s) will resume when their peers are back", stored.Count);
    }

    private bool HasUnfinishedTransfers(PeerId peer) =>
        _outgoing.Values.Any(t => t.PeerId == peer && !t.State.IsFinished()) ||
        _incoming.Values.Any(t => t.PeerId == peer && t.State is TransferState.Active or TransferState.Interrupted);

    /// <summary>
    /// Dials a peer we have unfinished transfers with, with backoff, until it answers: after a restart its
    /// address may be all we have, and it may have moved (a restarted peer dials us the same way).
    /// </summary>
    private async Task ReachForTransfersAsync(PeerId peer)
    {
        if (!_reachingForTransfers.TryAdd(peer.Value, 0))
            return;
        try
        {
            var delay = _options.ReconnectInitialDelay;
            while (!_stopping.IsCancellationRequested && HasUnfinishedTransfers(peer))
            {
                if (FindSession(peer) is { } live)
                {
                    await ResumeTransfersAsync(live).ConfigureAwait(false);
                    return;
                }
                if (Trust.Find(peer)?.LastAddress is not { } last || !PeerKey.TryParse(last, out var address, out _))
                    return;
                var dial = await DialAsync(address, peer, _stopping.Token).ConfigureAwait(false);
                if (dial.Session is { } session)
                {
                    await ResumeTransfersAsync(session).ConfigureAwait(false);
                    return;
                }
                _log.LogDebug("Peer {PeerId} not reachable for transfers yet: {Error}", peer.Short, dial.Error);
                await Task.Delay(delay * (0.8 + Random.Shared.NextDouble() * 0.4), _clock, _stopping.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _reachingForTransfers.TryRemove(peer.Value, out _);
        }
    }

    /// <summary>A session with the peer is (back) up: every unfinished outgoing transfer is offered on it again.</summary>
    private async Task ResumeTransfersAsync(SecureSession session)
    {
        foreach (var t in _outgoing.Values.Where(t => t.PeerId == session.RemoteId).OrderBy(t => t.Created))
        {
            lock (t.Gate)
            {
                if (t.State.IsFinished() || t.OfferedOn == session)
                    continue;
            }
            await SendOfferAsync(t, session).ConfigureAwait(false);
        }
    }

    /// <summary>The peer's session ended: incoming transfers that were flowing wait for it to come back.</summary>
    private void InterruptIncoming(PeerId peer, string reason)
    {
        foreach (var t in _incoming.Values.Where(t => t.PeerId == peer))
        {
            lock (t.Gate)
            {
                if (t.State != TransferState.Active || t.Session is { Completion.IsCompleted: false })
                    continue;
                t.State = TransferState.Interrupted;
                t.Updated = Now;
            }
            SaveTransfer(t.Snapshot());
            Raise(new TransferInterrupted(Now, t.Snapshot(), reason));
        }
    }

    /// <summary>Sends one frame to a peer: on the given session if it is still open, else on its current one. False when it could not.</summary>
    private async Task<bool> TellPeerAsync<TState>(PeerId peer, SecureSession? preferred, TState state, Action<TState, IBufferWriter<byte>> encode)
    {
        var session = preferred is { Completion.IsCompleted: false } ? preferred : FindSession(peer);
        if (session is null)
            return false;
        try
        {
            await session.SendAsync(state, encode).ConfigureAwait(false);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A FILE_CANCEL that must reach the peer: kept until it is back when it cannot be sent now (in memory only).</summary>
    private async Task TellOrRememberAsync(PeerId peer, SecureSession? preferred, FileCancelMessage notice)
    {
        if (!await TellPeerAsync(peer, preferred, notice, static (m, w) => m.Encode(w)).ConfigureAwait(false))
            _untold[notice.TransferId] = (peer, notice);
    }

    private async Task TellUntoldAsync(SecureSession session)
    {
        foreach (var (id, (peer, notice)) in _untold)
        {
            if (peer == session.RemoteId && _untold.TryRemove(id, out _))
                await TellOrRememberAsync(peer, session, notice).ConfigureAwait(false);
        }
    }

    /// <summary>Bytes from a peer about a transfer it has no part in: reported and otherwise ignored.</summary>
    private void RejectFileFrame(SecureSession session, string what, Guid id, string why)
    {
        var reason = $"{what} for transfer {id}: {why}";
        _log.LogWarning("Dropped a frame from {PeerId}: {Reason}", session.RemoteId.Short, reason);
        Raise(new InputRejected(Now, session.Address.ToString(), reason));
    }

    private void SaveTransfer(TransferInfo info)
    {
        try
        {
            _transfers.Save(info);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            _log.LogError("Cannot save transfer {Id}: {Error}", info.Id, e.Message);
        }
    }

    /// <summary>Saves the verified offset about once a second: enough to show progress after a restart.</summary>
    private void SaveProgressThrottled(Guid id, long bytes, Func<DateTimeOffset> lastSaved, Action<DateTimeOffset> saved)
    {
        var now = Now;
        if (now - lastSaved() < TransferSaveInterval)
            return;
        saved(now);
        try
        {
            _transfers.SaveProgress(id, bytes, now);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            _log.LogWarning("Cannot save the progress of transfer {Id}: {Error}", id, e.Message);
        }
    }

    private static TransferInfo Snapshot(OutgoingTransfer t)
    {
        lock (t.Gate)
            return t.Snapshot();
    }

    /// <summary>Bytes this process put on the wire for an outgoing transfer (tests check that a resume skips what arrived).</summary>
    internal long BytesSentFor(Guid id) => _outgoing.TryGetValue(id, out var t) ? t.BytesSent : 0;
}
