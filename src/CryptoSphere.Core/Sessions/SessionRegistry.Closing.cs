using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Sessions;

// Closing sessions: one peer's (blocked, removed), one address's, and all of them when the node stops. A stop closes
// every connection the node holds, not only the registered ones (see LiveConnections).
internal sealed partial class SessionRegistry
{
    private const string ShuttingDown = "this node is shutting down";

    // Every connection, current or not, until its socket is closed: what a stop closes (_sessions is only the current ones).
    private readonly LiveConnections _live = new();

    /// <summary>Runs after a session's Hellos, before it is registered: tests hold a session there while the node stops.</summary>
    internal Func<SecureSession, Task>? HelloReceivedForTests { get; set; }

    /// <summary>Closes the peer's current session (blocked or removed by the user); no reconnect follows.</summary>
    public async Task<bool> CloseAsync(PeerId id, string reason, bool sayBye = false)
    {
        if (!_sessions.TryRemove(id.Value, out var session))
            return false;
        session.CloseReason = reason;
        await session.CloseAsync(sayBye: sayBye).ConfigureAwait(false);
        return true;
    }

    /// <summary>Closes the live session at this address, if any.</summary>
    public async Task CloseAsync(PeerKey address, bool sayBye)
    {
        if (Find(address) is { } session && _sessions.TryRemove(KeyValuePair.Create(session.RemoteId.Value, session)))
            await session.CloseAsync(sayBye: sayBye).ConfigureAwait(false);
    }

    /// <summary>
    /// Refuses new sessions and closes every connection: registered, still saying hello, or no longer current (those
    /// are already closing). BYE only where the Hellos were exchanged: it must not be a peer's first frame.
    /// </summary>
    public async Task CloseAllAsync(bool sayBye)
    {
        var sessions = _live.Stop();
        await Task.WhenAll(sessions.Select(s =>
        {
            s.CloseReason = ShuttingDown;
            return s.CloseAsync(sayBye: sayBye && s.RemoteHello is not null);
        })).ConfigureAwait(false);
    }

    /// <summary>After the goodbyes' time: closes every connection still open at once (see <see cref="LiveConnections.AbortAll"/>).</summary>
    public void AbortAll()
    {
        if (_live.AbortAll() is > 0 and var aborted)
            SessionLog.Aborted(_log, aborted);
    }

    /// <summary>True once the stop began closing sessions: dials and handshakes end, new sessions are refused.</summary>
    public bool IsStopping => _live.IsStopping;

    /// <summary>Tracks a socket until its TLS handshake is done, so that a stop closes it (see <see cref="LiveConnections.BeginHandshake"/>).</summary>
    public LiveConnections.Handshake BeginHandshake(System.Net.Sockets.Socket socket) => _live.BeginHandshake(socket);

    /// <summary>Sockets of secure connections not closed yet (tests read it).</summary>
    internal int LiveConnectionsForTests => _live.Count;
}
