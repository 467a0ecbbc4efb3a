using System.Buffers;
using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Files;

/// <summary>
/// What the sending and the receiving side of file transfer share: the transfers in memory, their table in the
/// database, and how to tell a peer something about a transfer.
/// </summary>
internal sealed class FileContext(NodeRuntime node, SessionRegistry sessions)
{
    private static readonly TimeSpan TransferSaveInterval = TimeSpan.FromSeconds(1);

    private readonly NodeRuntime _node = node;
    private readonly SessionRegistry _sessions = sessions;
    private readonly ILogger _log = node.Logger<FileContext>();

    public ConcurrentDictionary<Guid, OutgoingTransfer> Outgoing { get; } = new();

    public ConcurrentDictionary<Guid, IncomingTransfer> Incoming { get; } = new();

    /// <summary>Cancels and failures the peer could not be told (it was offline): they go out when it is back.</summary>
    public ConcurrentDictionary<Guid, (PeerId Peer, FileCancelMessage Notice)> Untold { get; } = new();

    /// <summary>File transfers in the database, finished ones included.</summary>
    public TransferStore Store { get; } = new(node.Store);

    /// <summary>The data directory: the database's folder; null for a node with an in-memory database.</summary>
    public string? DataDirectory => _node.Store.Path is { } db ? Path.GetDirectoryName(Path.GetFullPath(db)) : null;

    /// <summary>
    /// Where received files go: the option, else <c>downloads</c> in the data directory. Never the data directory itself
    /// by default: a file from the network must not be able to land among the node's own files.
    /// </summary>
    public string? DownloadsFolder =>
        _node.Options.DownloadsDirectory ?? (DataDirectory is { } data ? Path.Combine(data, Storage.DataDirectoryFiles.DownloadsFolder) : null);

    /// <summary>Sends one frame to a peer: on the given session if it is still open, else on its current one. False when it could not.</summary>
    public async Task<bool> TellPeerAsync<TState>(PeerId peer, SecureSession? preferred, TState state, Action<TState, IBufferWriter<byte>> encode)
    {
        var session = preferred is { Completion.IsCompleted: false } ? preferred : _sessions.Find(peer);
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
    public async Task TellOrRememberAsync(PeerId peer, SecureSession? preferred, FileCancelMessage notice)
    {
        if (!await TellPeerAsync(peer, preferred, notice, static (m, w) => m.Encode(w)).ConfigureAwait(false))
            Untold[notice.TransferId] = (peer, notice);
    }

    public async Task TellUntoldAsync(SecureSession session)
    {
        foreach (var (id, (peer, notice)) in Untold)
        {
            if (peer == session.RemoteId && Untold.TryRemove(id, out _))
                await TellOrRememberAsync(peer, session, notice).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The peer has another live session that is its current one: <paramref name="session"/> lost to it (a reconnect,
    /// or both sides dialling at once) and is closing. A transfer is not moved onto it, or it would stall when it
    /// closes; the current session got (or gets) the offer when it opened.
    /// </summary>
    public bool IsSuperseded(SecureSession session, string what, Guid id)
    {
        if (_sessions.Find(session.RemoteId) is not { } current || current == session)
            return false;
        FilesLog.Superseded(_log, id, what, session.RemoteId.Short);
        return true;
    }

    /// <summary>Bytes from a peer about a transfer it has no part in: reported and otherwise ignored.</summary>
    public void RejectFrame(SecureSession session, string what, Guid id, string why)
    {
        var reason = $"{what} for transfer {id}: {why}";
        FilesLog.FrameDropped(_log, session.RemoteId.Short, reason);
        _node.Publish(new InputRejected(_node.Now, session.Address.ToString(), reason));
    }

    public void Save(TransferInfo info)
    {
        try
        {
            Store.Save(info);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            FilesLog.NotSaved(_log, info.Id, e.Message);
        }
    }

    /// <summary>Saves the verified offset about once a second: enough to show progress after a restart.</summary>
    public void SaveProgressThrottled(Guid id, long bytes, Func<DateTimeOffset> lastSaved, Action<DateTimeOffset> saved)
    {
        var now = _node.Now;
        if (now - lastSaved() < TransferSaveInterval)
            return;
        saved(now);
        try
        {
            Store.SaveProgress(id, bytes, now);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            FilesLog.ProgressNotSaved(_log, id, e.Message);
        }
    }

    public static TransferInfo Snapshot(OutgoingTransfer t)
    {
        lock (t.Gate)
            return t.Snapshot();
    }
}
