using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// The listening socket: accepts, applies the connection limits, and sends each connection to the protocol its
/// first byte names (a TLS record: secure; '&lt;': legacy). It moves no bytes itself. See
/// <see cref="ConnectionLimiter"/> for what happens at the caps.
/// </summary>
internal sealed class Listener
{
    private const byte TlsHandshakeRecord = 0x16;
    private const byte LegacyHeaderStart = (byte)'<';

    public delegate Task ConnectionHandler(Socket socket, IPEndPoint remote, CancellationToken token);

    /// <summary>Handles a connection at once when what it has already sent is enough (see <see cref="LegacyEndpoint.TryHandleArrived"/>).</summary>
    public delegate bool ArrivedHandler(Socket socket, IPEndPoint remote, Action done);

    private readonly NodeRuntime _node;
    private readonly ConnectionHandler _secure;
    private readonly ConnectionHandler _legacy;
    private readonly ArrivedHandler? _legacyArrived;
    private readonly ConnectionHandler? _legacyAfterGreeting;
    private readonly ConnectionLimiter _limiter;
    private readonly ILogger _log;
    private Socket? _socket;
    private Task? _acceptLoop;
    private long _lastRefusalReport;
    // Connections handled at once and not yet done, plus one while the accept loop runs: Completion waits for them.
    private int _arrivedOpen = 1;
    private readonly TaskCompletionSource _arrivedDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ClosingQueue<(Socket, IPAddress)> _closing;
    // Accepted and not yet given to a protocol (the first-byte peek): closed by Stop, as nothing else owns them yet.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Socket, byte> _sniffing = new();

    /// <param name="legacyAfterGreeting">A legacy message that came after this node's greeting: from a CryptoSphere dialer whose
    /// wait for the greeting ran out (docs/protocol.md §2.1); <paramref name="legacy"/> when not given.</param>
    public Listener(NodeRuntime node, ConnectionHandler secure, ConnectionHandler legacy, ArrivedHandler? legacyArrived = null,
        ConnectionHandler? legacyAfterGreeting = null)
    {
        _node = node;
        _secure = secure;
        _legacy = legacy;
        _legacyArrived = legacyArrived;
        _legacyAfterGreeting = legacyAfterGreeting;
        _log = node.Logger<Listener>();
        _limiter = new ConnectionLimiter(node.Options.MaxConnectionsPerIp, node.Options.MaxConnections, node.Options.ConnectionProgressWindow);
        _closing = new ClosingQueue<(Socket, IPAddress)>(EndArrived);
    }

    public bool IsStarted => _socket is not null;

    /// <summary>Binds (see <see cref="PortBinder"/>) and starts accepting; returns the port.</summary>
    public int Start()
    {
        var options = _node.Options;
        _socket = PortBinder.Bind(options.Bind, options.Port, options.StrictPort, options.MaxPortTries, options.Backlog);
        // A thread of its own, blocking in accept: when thousands of connection handlers queue on the thread
        // pool, new connections are still taken off the kernel's backlog before it overflows.
        _acceptLoop = Task.Factory.StartNew(AcceptLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Closes the listening socket (the accept loop ends, <see cref="Completion"/>) and the connections whose protocol is
    /// not known yet. Secure connections are the session registry's to close, legacy ones end with their message.
    /// </summary>
    public void Stop()
    {
        _socket?.Dispose();
        foreach (var (socket, _) in _sniffing)
            socket.Dispose();
    }

    public Task Completion => _acceptLoop is null ? Task.CompletedTask : Task.WhenAll(_acceptLoop, _arrivedDone.Task);

    private void AcceptLoop()
    {
        var token = _node.Stopping;
        try
        {
            while (!token.IsCancellationRequested)
            {
                // At the total cap, stop accepting: the kernel's backlog holds the rest (TCP backpressure).
                _limiter.WaitForRoom(token);
                if (Accept(token) is not { } socket)
                {
                    _limiter.ReturnRoom();
                    continue;
                }
                var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
                switch (_limiter.Admit(address, socket, token))
                {
                    case ConnectionLimiter.Admission.Run:
                        if (!TryHandleArrived(socket, address))
                            Run(socket, address, token);
                        break;
                    case ConnectionLimiter.Admission.Refused:
                        socket.Dispose();
                        ReportRefused(address);
                        break;
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
        {
            // Stopped.
        }
        finally
        {
            _limiter.CloseParked();
            ArrivedEnded();
        }
    }

    // One connection per message (the legacy protocol) is accepted at the rate of whole messages: when its message is
    // already there, it is read and stored from this thread, which saves a task, a thread switch and the sniffing
    // peek's timer per message. The connection is closed and its slot given back once the message is stored.
    private bool TryHandleArrived(Socket socket, IPAddress address)
    {
        if (_legacyArrived is null || socket.RemoteEndPoint is not IPEndPoint remote)
            return false;
        Interlocked.Increment(ref _arrivedOpen);
        var finished = 0;
        void Done()
        {
            if (Interlocked.Exchange(ref finished, 1) == 0)
                _closing.Enqueue((socket, address));
        }
        try
        {
            if (_legacyArrived(socket, remote, Done))
                return true;
            Interlocked.Decrement(ref _arrivedOpen);
            return false;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            _node.Reject(remote.ToString(), $"connection error: {e.Message}");
        }
        catch (Exception e)
        {
            SessionLog.HandlerFailed(_log, e, remote.ToString());
        }
        Done();
        return true;
    }

    // A parked connection that takes a freed slot has usually received its whole message while it waited, so it is read
    // as at accept time rather than through the sniffing peek, its timer and the socket's async context: when a burst of
    // legacy senders keeps an address at its cap, that was most connections, and about a fifth of the node's CPU per
    // message (docs/BENCHMARKS.md, Legacy with a C load generator). On the thread pool: the slot is freed on the store
    // writer's thread, and a parked connection handled at once may free the next one in turn. The caller holds an
    // arrived connection's count until this one holds its own, so Completion still waits for it.
    private void RunParked(Socket socket, IPAddress address)
    {
        Interlocked.Increment(ref _arrivedOpen);
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            var (listener, socket, address) = state;
            try
            {
                if (listener._node.Stopping.IsCancellationRequested)
                    socket.Dispose();
                else if (!listener.TryHandleArrived(socket, address))
                    listener.Run(socket, address, listener._node.Stopping);
            }
            finally
            {
                listener.ArrivedEnded();
            }
        }, (this, socket, address), preferLocal: false);
    }

    // An arrived connection whose message is stored (or refused): closed, and its slot given back.
    private void EndArrived((Socket Socket, IPAddress Address) ended)
    {
        ended.Socket.Dispose();
        // A parked connection of the same address takes the slot.
        if (_limiter.Release(ended.Address) is { } next)
        {
            if (_node.Stopping.IsCancellationRequested)
                next.Dispose();
            else
                RunParked(next, ended.Address);
        }
        ArrivedEnded();
    }

    private void ArrivedEnded()
    {
        if (Interlocked.Decrement(ref _arrivedOpen) == 0)
            _arrivedDone.TrySetResult();
    }

    private Socket? Accept(CancellationToken token)
    {
        try
        {
            return _socket!.Accept();
        }
        catch (SocketException) when (token.IsCancellationRequested)
        {
            throw new OperationCanceledException(token);
        }
        catch (SocketException e)
        {
            SessionLog.AcceptFailed(_log, e.SocketErrorCode);
            return null;
        }
    }

    private void Run(Socket socket, IPAddress address, CancellationToken token) =>
        _node.Work.Track(RunThenNextAsync(socket, address, token));

    // When a connection ends, the oldest connection parked for its address runs in its place.
    private async Task RunThenNextAsync(Socket socket, IPAddress address, CancellationToken token)
    {
        try
        {
            await HandleConnectionAsync(socket, token).ConfigureAwait(false);
        }
        finally
        {
            if (_limiter.Release(address) is { } next)
            {
                if (token.IsCancellationRequested)
                    next.Dispose();
                else
                    Run(next, address, token);
            }
        }
    }

    // One report per second at most: a flood of refusals must not flood the log and the event queue too.
    private void ReportRefused(IPAddress address)
    {
        var now = _node.Clock.GetTimestamp();
        var last = Interlocked.Read(ref _lastRefusalReport);
        if (last != 0 && _node.Clock.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1))
            return;
        if (Interlocked.CompareExchange(ref _lastRefusalReport, now, last) != last)
            return;
        var options = _node.Options;
        SessionLog.OverLimit(_log, address, options.MaxConnectionsPerIp, options.MaxConnections, _limiter.Refused);
        _node.Publish(new InputRejected(_node.Now, address.ToString(),
            $"connection refused unread: {options.MaxConnectionsPerIp} open and as many waiting from this address ({_limiter.Refused} refused so far)"));
    }

    /// <summary>Connections closed unread because an address was over both its caps, since the node started.</summary>
    public long RefusedConnections => _limiter.Refused;

    private async Task HandleConnectionAsync(Socket socket, CancellationToken token)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint;
        // Formatted only for a report: most connections need none.
        string RemoteText() => remote?.ToString() ?? "?";
        _sniffing.TryAdd(socket, 0);
        try
        {
            // Added before this check, and the node is stopping before Stop looks: one of the two closes it.
            token.ThrowIfCancellationRequested();
            // Started on the accept thread, the peek usually waits for the first bytes and frees it at once; when they were
            // already there, the rest (a TLS handshake) must not run on that thread.
            var peek = PeekFirstByteAsync(socket, token);
            if (peek.IsCompleted)
                await Task.Yield();
            var (first, greeted) = await peek.ConfigureAwait(false);
            _sniffing.TryRemove(socket, out _);
            switch (first)
            {
                case null:
                    _node.Reject(RemoteText(), "connection closed or silent before sending anything");
                    break;
                case LegacyHeaderStart when greeted && _legacyAfterGreeting is not null:
                    await _legacyAfterGreeting(socket, remote!, token).ConfigureAwait(false);
                    break;
                case LegacyHeaderStart:
                    // The message has usually arrived whole with its first bytes: read at once, without the reader's timers.
                    var stored = new TaskCompletionSource();
                    if (_legacyArrived?.Invoke(socket, remote!, () => stored.TrySetResult()) == true)
                        await stored.Task.ConfigureAwait(false);
                    else
                        await _legacy(socket, remote!, token).ConfigureAwait(false);
                    break;
                case TlsHandshakeRecord:
                    await _secure(socket, remote!, token).ConfigureAwait(false);
                    break;
                default:
                    _node.Reject(RemoteText(), $"unknown protocol (first byte 0x{first:x2})");
                    break;
            }
        }
        catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The node is stopping (Stop may have closed the socket under the peek).
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            _node.Reject(RemoteText(), $"connection error: {e.Message}");
        }
        catch (Exception e)
        {
            // A handler must never take the node down; log and drop this connection only.
            SessionLog.HandlerFailed(_log, e, RemoteText());
        }
        finally
        {
            _sniffing.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    // The first byte (null: none), and whether this node greeted before it came.
    private async Task<(byte? First, bool Greeted)> PeekFirstByteAsync(Socket socket, CancellationToken token)
    {
        // A dialer that stays silent is a CryptoSphere node asking whether we are one too. Every other client has
        // spoken by the time the greeting is due, so the greeting's peek is the sniffing one: one read per connection.
        var one = new byte[1];
        if (await ServerGreeting.GreetIfSilentAsync(socket, one, token).ConfigureAwait(false) is { } early)
            return (early == 0 ? null : one[0], false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(_node.Options.ReadTimeout);
        try
        {
            var read = await socket.ReceiveAsync(one, SocketFlags.Peek, timeout.Token).ConfigureAwait(false);
            return (read == 0 ? null : one[0], true);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return (null, true);
        }
    }
}
