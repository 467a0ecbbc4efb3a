using System.Collections.Concurrent;
using System.Net.Sockets;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// Every secure connection this node holds, from the socket's TLS handshake until the session's socket is closed:
/// registered sessions, sessions still exchanging Hellos, and those that left the registry (replaced, lost a
/// simultaneous connect, being closed), so that a stopping node can close them all. The registry's map holds only
/// each peer's current session; a session that registered after the stop had taken its copy of that map was never
/// closed, and kept answering its peer's heartbeats after the node was disposed (docs/RELIABILITY.md).
/// </summary>
internal sealed class LiveConnections
{
    private readonly ConcurrentDictionary<SecureSession, byte> _sessions = new();
    private readonly ConcurrentDictionary<Socket, byte> _handshakes = new();
    private int _stopping;

    /// <summary>True once <see cref="Stop"/> ran: new sessions are refused.</summary>
    public bool IsStopping => Volatile.Read(ref _stopping) == 1;

    /// <summary>Sessions whose socket is not closed yet.</summary>
    public int Count => _sessions.Count;

    /// <summary>
    /// Tracks <paramref name="session"/> until its connection is closed. False when the node is stopping: the caller
    /// closes it at once (it is tracked meanwhile, so an abort reaches it too).
    /// </summary>
    public bool Add(SecureSession session)
    {
        _sessions.TryAdd(session, 0);
        _ = session.Closed.ContinueWith(static (_, state) =>
        {
            var (live, ended) = ((LiveConnections, SecureSession))state!;
            live._sessions.TryRemove(ended, out byte _);
        }, (this, session), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        // Added before the flag is read, and Stop sets the flag before it copies the set: a session either sees the
        // stop here or is in Stop's copy.
        return Interlocked.CompareExchange(ref _stopping, 0, 0) == 0;
    }

    /// <summary>
    /// Tracks a socket in its TLS handshake until the returned scope is disposed; a stopping node closes it, which
    /// fails the handshake at once instead of at its timeout.
    /// </summary>
    public Handshake BeginHandshake(Socket socket)
    {
        _handshakes.TryAdd(socket, 0);
        if (IsStopping)
            socket.Dispose();
        return new Handshake(this, socket);
    }

    /// <summary>
    /// Refuses new sessions from now on, closes the sockets still in their handshake (nothing to say goodbye to yet),
    /// and returns the sessions, for their goodbyes.
    /// </summary>
    public IReadOnlyList<SecureSession> Stop()
    {
        Interlocked.Exchange(ref _stopping, 1);
        foreach (var (socket, _) in _handshakes)
            socket.Dispose();
        return _sessions.Keys.ToList();
    }

    /// <summary>Closes every session's socket still open, without a goodbye; the count of those it closed.</summary>
    public int AbortAll()
    {
        var aborted = 0;
        foreach (var (session, _) in _sessions)
        {
            if (session.Closed.IsCompleted)
                continue;
            session.Abort();
            aborted++;
        }
        foreach (var (socket, _) in _handshakes)
            socket.Dispose();
        return aborted;
    }

    /// <summary>A socket's handshake, tracked until disposed (the socket itself is not disposed by this).</summary>
    public readonly struct Handshake(LiveConnections owner, Socket socket) : IDisposable
    {
        public void Dispose() => owner._handshakes.TryRemove(socket, out _);
    }
}
