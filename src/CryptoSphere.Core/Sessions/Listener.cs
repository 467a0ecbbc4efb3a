using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// The listening socket: accepts, applies the connection limits, and sends each connection to the protocol its
/// first byte names (a TLS record: secure; '&lt;': legacy). It moves no bytes itself.
/// </summary>
internal sealed class Listener
{
    private const byte TlsHandshakeRecord = 0x16;
    private const byte LegacyHeaderStart = (byte)'<';

    public delegate Task ConnectionHandler(Socket socket, IPEndPoint remote, CancellationToken token);

    private readonly NodeRuntime _node;
    private readonly ConnectionHandler _secure;
    private readonly ConnectionHandler _legacy;
    private readonly ConnectionLimiter _limiter;
    private readonly ILogger _log;
    private Socket? _socket;
    private Task? _acceptLoop;

    public Listener(NodeRuntime node, ConnectionHandler secure, ConnectionHandler legacy)
    {
        _node = node;
        _secure = secure;
        _legacy = legacy;
        _log = node.Logger<Listener>();
        _limiter = new ConnectionLimiter(node.Options.MaxConnectionsPerIp, node.Options.MaxConnections, _log);
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

    /// <summary>Closes the listening socket; the accept loop ends (<see cref="Completion"/>).</summary>
    public void Stop() => _socket?.Dispose();

    public Task Completion => _acceptLoop ?? Task.CompletedTask;

    private void AcceptLoop()
    {
        var token = _node.Stopping;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = _socket!.Accept();
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException e)
            {
                SessionLog.AcceptFailed(_log, e.SocketErrorCode);
                continue;
            }
            var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            if (!_limiter.TryAcquire(address))
            {
                socket.Dispose();
                continue;
            }
            _node.Work.Track(ReleaseAfter(HandleConnectionAsync(socket, token), address));
        }
    }

    private async Task ReleaseAfter(Task handler, IPAddress address)
    {
        try
        {
            await handler.ConfigureAwait(false);
        }
        finally
        {
            _limiter.Release(address);
        }
    }

    private async Task HandleConnectionAsync(Socket socket, CancellationToken token)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint;
        var remoteText = remote?.ToString() ?? "?";
        try
        {
            await Task.Yield();
            var first = await PeekFirstByteAsync(socket, token).ConfigureAwait(false);
            switch (first)
            {
                case null:
                    _node.Reject(remoteText, "connection closed or silent before sending anything");
                    break;
                case LegacyHeaderStart:
                    await _legacy(socket, remote!, token).ConfigureAwait(false);
                    break;
                case TlsHandshakeRecord:
                    await _secure(socket, remote!, token).ConfigureAwait(false);
                    break;
                default:
                    _node.Reject(remoteText, $"unknown protocol (first byte 0x{first:x2})");
                    break;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The node is stopping.
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            _node.Reject(remoteText, $"connection error: {e.Message}");
        }
        catch (Exception e)
        {
            // A handler must never take the node down; log and drop this connection only.
            SessionLog.HandlerFailed(_log, e, remoteText);
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task<byte?> PeekFirstByteAsync(Socket socket, CancellationToken token)
    {
        // A dialer that stays silent is a CryptoSphere node asking whether we are one too.
        await ServerGreeting.GreetIfSilentAsync(socket, token).ConfigureAwait(false);
        var one = new byte[1];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(_node.Options.ReadTimeout);
        try
        {
            var read = await socket.ReceiveAsync(one, SocketFlags.Peek, timeout.Token).ConfigureAwait(false);
            return read == 0 ? null : one[0];
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return null;
        }
    }
}
