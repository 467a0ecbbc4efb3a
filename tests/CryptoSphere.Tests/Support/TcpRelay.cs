using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// A TCP relay to a loopback port that can "cut the cable": after <see cref="Freeze"/> it keeps every
/// connection open but silently drops all bytes both ways and passes on no close, like a dead network path.
/// After <see cref="DropFromTarget"/> only what the target sends is lost (its replies, acknowledgements),
/// while its close or reset still reaches the client.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly ConcurrentBag<Task> _pumps = [];
    private readonly Task _acceptLoop;
    private volatile bool _frozen;
    private volatile bool _dropFromTarget;
    private TimeSpan _delayFromTarget;

    private TcpRelay(int target, int listenPort)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, listenPort);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Relays <paramref name="listenPort"/> (any free one when 0) to the target: a port forward opened when the test says.</summary>
    public static TcpRelay Start(int targetPort, int listenPort = 0) => new(targetPort, listenPort);

    public int Port { get; }

    public void Freeze() => _frozen = true;

    public void DropFromTarget() => _dropFromTarget = true;

    /// <summary>What the target sends reaches the client <paramref name="delay"/> late, in order (a slow path back, a busy node's greeting).</summary>
    public void DelayFromTarget(TimeSpan delay) => _delayFromTarget = delay;

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _sockets.Add(client);
            _sockets.Add(upstream);
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Dispose();
                continue;
            }
            _pumps.Add(PumpAsync(client, upstream, fromTarget: false));
            _pumps.Add(PumpAsync(upstream, client, fromTarget: true));
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromTarget)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (_frozen)
                {
                    if (read == 0)
                        return; // the close is swallowed too
                    continue;
                }
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                if (fromTarget && _dropFromTarget)
                    continue;
                if (fromTarget && _delayFromTarget > TimeSpan.Zero)
                    await Task.Delay(_delayFromTarget, _stop.Token);
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // A reset (the target killed with unread data) is passed on as a close, unless the cable is cut.
            if (_dropFromTarget && !_frozen && e is SocketException)
            {
                try
                {
                    to.Shutdown(SocketShutdown.Both);
                }
                catch (Exception inner) when (inner is SocketException or ObjectDisposedException)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        foreach (var socket in _sockets)
            socket.Dispose();
        await Task.WhenAll(_pumps);
        _stop.Dispose();
    }
}
