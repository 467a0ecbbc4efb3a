using System.Buffers;
using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Files;

/// <summary>
/// File transfer as a feature: the list of transfers, cancelling from either side, and resuming when a peer is
/// back or after a restart. Sending is <see cref="FileSender"/>, receiving <see cref="FileReceiver"/>.
/// </summary>
internal sealed class FileTransfers
{
    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly SessionDialer _dialer;
    private readonly FileContext _files;
    private readonly FileSender _sender;
    private readonly FileReceiver _receiver;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, byte> _reachingForTransfers = new();

    public FileTransfers(NodeRuntime node, SessionRegistry sessions, SessionDialer dialer, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _dialer = dialer;
        _log = node.Logger<FileTransfers>();
        _files = new FileContext(node, sessions);
        _sender = new FileSender(node, sessions, dialer, _files, router);
        _receiver = new FileReceiver(node, sessions, _files, router);
        router.Advertise(Capabilities.FileTransfer);
        router.Handle(FrameType.FileCancel, OnFileCancelAsync);
        sessions.Opened += session =>
        {
            _node.Work.Track(_files.TellUntoldAsync(session));
            _node.Work.Track(ResumeTransfersAsync(session));
        };
        sessions.Closed += (session, reason) => _receiver.Interrupt(session.RemoteId, reason);
    }

    public FileSender Sender => _sender;

    public FileReceiver Receiver => _receiver;

    /// <summary>File transfers in the database, finished ones included.</summary>
    public TransferStore History => _files.Store;

    /// <summary>Every transfer this node knows about since it started (and unfinished ones from before), oldest first.</summary>
    public IReadOnlyList<TransferInfo> All =>
        _files.Outgoing.Values.Select(FileContext.Snapshot).Concat(_files.Incoming.Values.Select(t => t.Snapshot()))
            .OrderBy(t => t.Created).ThenBy(t => t.Id).ToList();

    public TransferInfo? Find(Guid id) =>
        _files.Outgoing.TryGetValue(id, out var o) ? FileContext.Snapshot(o) : _files.Incoming.TryGetValue(id, out var i) ? i.Snapshot() : null;

    /// <summary>
    /// Where files handed over by a UI are kept while they are offered: in the data directory, or beside a downloads
    /// folder given as an option (where they always were, so uploads waiting from before are still found).
    /// </summary>
    public string UploadsFolder =>
        Path.Combine(_node.Options.DownloadsDirectory ?? _files.DataDirectory ?? Path.GetTempPath(), Storage.DataDirectoryFiles.UploadsFolder);

    /// <summary>Bytes this process put on the wire for an outgoing transfer (tests check that a resume skips what arrived).</summary>
    public long BytesSentFor(Guid id) => _files.Outgoing.TryGetValue(id, out var t) ? t.BytesSent : 0;

    /// <summary>The node started: unfinished transfers from before come back.</summary>
    public void Start()
    {
        LoadUnfinishedTransfers();
        _node.Work.Track(_receiver.ExpireOffersAsync());
    }

    /// <summary>The node stopped: incoming files are closed.</summary>
    public void Stop()
    {
        foreach (var t in _files.Incoming.Values)
            t.Close();
    }

    /// <summary>Stops a transfer for good, from either side; the peer is told, and an incoming partial file is deleted.</summary>
    public async Task<TransferActionResult> CancelAsync(Guid id, string reason = "cancelled by the user")
    {
        if (_files.Outgoing.TryGetValue(id, out var outgoing))
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
            await _files.TellOrRememberAsync(outgoing.PeerId, run?.Session ?? outgoing.OfferedOn, new FileCancelMessage(id, reason)).ConfigureAwait(false);
            _sender.Finish(outgoing, TransferState.Cancelled, reason, t => new TransferCancelled(_node.Now, t, reason, ByPeer: false));
            return TransferActionResult.Ok;
        }
        if (_files.Incoming.TryGetValue(id, out var incoming))
        {
            lock (incoming.Gate)
            {
                if (incoming.State.IsFinished())
                    return TransferActionResult.Failed($"transfer {id} is already {incoming.State.ToString().ToLowerInvariant()}");
                incoming.State = TransferState.Cancelled;
                incoming.Error = reason;
            }
            incoming.Discard();
            await _files.TellOrRememberAsync(incoming.PeerId, incoming.Session, new FileCancelMessage(id, reason)).ConfigureAwait(false);
            _receiver.Finish(incoming, TransferState.Cancelled, reason, t => new TransferCancelled(_node.Now, t, reason, ByPeer: false));
            return TransferActionResult.Ok;
        }
        return TransferActionResult.Failed($"no transfer {id}");
    }

    /// <summary>FILE_CANCEL: the other side stopped a transfer. Never answered, so two nodes cannot ping-pong.</summary>
    private ValueTask OnFileCancelAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var cancel = FileCancelMessage.Decode(body);
        var reason = $"cancelled by {session.RemoteHello!.Name}: {cancel.Reason}";
        if (_files.Outgoing.TryGetValue(cancel.TransferId, out var outgoing) && outgoing.PeerId == session.RemoteId)
        {
            lock (outgoing.Gate)
            {
                if (outgoing.State.IsFinished())
                    return ValueTask.CompletedTask;
                outgoing.State = TransferState.Cancelled;
                outgoing.EndRun();
            }
            _sender.Finish(outgoing, TransferState.Cancelled, reason, t => new TransferCancelled(_node.Now, t, reason, ByPeer: true));
        }
        else if (_files.Incoming.TryGetValue(cancel.TransferId, out var incoming) && incoming.PeerId == session.RemoteId)
        {
            lock (incoming.Gate)
            {
                if (incoming.State.IsFinished())
                    return ValueTask.CompletedTask;
                incoming.State = TransferState.Cancelled;
                incoming.Error = reason;
            }
            incoming.Discard();
            _receiver.Finish(incoming, TransferState.Cancelled, reason, t => new TransferCancelled(_node.Now, t, reason, ByPeer: true));
        }
        return ValueTask.CompletedTask;
    }


    /// <summary>After a restart: unfinished transfers come back, and their peers are dialed so they resume.</summary>
    private void LoadUnfinishedTransfers()
    {
        IReadOnlyList<TransferInfo> stored;
        try
        {
            stored = _files.Store.Unfinished();
        }
        catch (Exception e) when (e is Storage.StorageException or Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            FilesLog.NotLoaded(_log, e.Message);
            return;
        }
        foreach (var t in stored)
        {
            var hash = Convert.FromHexString(t.Sha256);
            var meter = new TransferMeter(_node.Clock, _node.Options.TransferProgressInterval);
            if (t.IsOutgoing)
                _files.Outgoing.TryAdd(t.Id, new OutgoingTransfer(t with { State = t.State == TransferState.Offered ? TransferState.Offered : TransferState.Interrupted }, hash, meter));
            else if (_files.DownloadsFolder is { } folder)
            {
                // The temporary file sits where it was when accepted (the data directory itself, before downloads had a
                // folder of their own), and the file is finished there: the folder is taken from its path.
                var tempFolder = Path.GetDirectoryName(t.Path) ?? folder;
                _files.Incoming.TryAdd(t.Id, new IncomingTransfer(t with { State = TransferState.Interrupted }, hash, tempFolder, meter));
            }
        }
        foreach (var peer in stored.Select(t => t.PeerId).Distinct())
            _node.Work.Track(ReachForTransfersAsync(peer));
        if (stored.Count > 0)
            FilesLog.WillResume(_log, stored.Count);
    }

    private bool HasUnfinishedTransfers(PeerId peer) =>
        _files.Outgoing.Values.Any(t => t.PeerId == peer && !t.State.IsFinished()) ||
        _files.Incoming.Values.Any(t => t.PeerId == peer && t.State is TransferState.Active or TransferState.Interrupted);

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
            var delay = _node.Options.ReconnectInitialDelay;
            while (!_node.Work.IsStopping && HasUnfinishedTransfers(peer))
            {
                if (_sessions.Find(peer) is { } live)
                {
                    await ResumeTransfersAsync(live).ConfigureAwait(false);
                    return;
                }
                if (_node.Trust.Find(peer)?.LastAddress is not { } last || !PeerKey.TryParse(last, out var address, out _))
                    return;
                var dial = await _dialer.DialAsync(address, peer, _node.Stopping).ConfigureAwait(false);
                if (dial.Session is { } session)
                {
                    await ResumeTransfersAsync(session).ConfigureAwait(false);
                    return;
                }
                FilesLog.NotReachable(_log, peer.Short, dial.Error);
                await Task.Delay(delay * (0.8 + Random.Shared.NextDouble() * 0.4), _node.Clock, _node.Stopping).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _node.Options.ReconnectMaxDelay.Ticks));
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
        foreach (var t in _files.Outgoing.Values.Where(t => t.PeerId == session.RemoteId).OrderBy(t => t.Created))
        {
            lock (t.Gate)
            {
                if (t.State.IsFinished() || t.OfferedOn == session)
                    continue;
            }
            await FileSender.SendOfferAsync(t, session).ConfigureAwait(false);
        }
    }

}
