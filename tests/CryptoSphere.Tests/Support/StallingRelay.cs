using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// A TCP relay in front of a node that can hold the data after a known number of bytes, limit the bandwidth,
/// and cut every connection with a reset: "mid-transfer" becomes an exact point rather than a race.
/// It forwards bytes as they are (TLS included) both ways. (<see cref="TcpRelay"/> freezes a path instead.)
/// </summary>
public sealed class StallingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly object _gate = new();
    private readonly Task _acceptLoop;
    private long _forwardLimit = long.MaxValue;
    private long _forwarded;
    private readonly long _bytesPerSecond;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="targetPort">The loopback port to forward to.</param>
    /// <param name="stallAfterBytes">Client-to-target bytes forwarded before the relay holds the rest (until <see cref="Resume"/>).</param>
    /// <param name="bytesPerSecond">Client-to-target bandwidth, like a slower network (unlimited by default).</param>
    public StallingRelay(int targetPort, long stallAfterBytes = long.MaxValue, long bytesPerSecond = 0)
    {
        _target = targetPort;
        _forwardLimit = stallAfterBytes;
        _bytesPerSecond = bytesPerSecond;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public PeerKey Key => new(TestNodes.Loopback, Port);

    /// <summary>Completes when the client-to-target direction has reached its limit and holds further bytes.</summary>
    public Task Stalled => _stalled.Task;

    /// <summary>Forwards everything again.</summary>
    public void Resume()
    {
        lock (_gate)
        {
            _forwardLimit = long.MaxValue;
            _resumed.TrySetResult();
        }
    }

    /// <summary>Closes every relayed connection at once, without any goodbye: a dropped network.</summary>
    public void Cut()
    {
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0); // RST, like a dead link
                    socket.Close();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
            _sockets.Clear();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
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
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }
            client.NoDelay = true;
            lock (_gate)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }
            _ = PumpAsync(client, server, limited: true);
            _ = PumpAsync(server, client, limited: false);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool limited)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var allowed = buffer.Length;
                if (limited)
                {
                    while (true)
                    {
                        Task resumed;
                        lock (_gate)
                        {
                            allowed = (int)Math.Min(buffer.Length, _forwardLimit - _forwarded);
                            resumed = _resumed.Task;
                        }
                        if (allowed > 0)
                            break;
                        _stalled.TrySetResult();
                        await resumed.WaitAsync(_stop.Token);
                    }
                }
                var read = await from.ReceiveAsync(buffer.AsMemory(0, allowed), SocketFlags.None, _stop.Token);
                if (read == 0)
                    break;
                if (limited)
                {
                    var total = Interlocked.Add(ref _forwarded, read);
                    if (_bytesPerSecond > 0)
                    {
                        var due = TimeSpan.FromSeconds((double)total / _bytesPerSecond) - _clock.Elapsed;
                        if (due > TimeSpan.Zero)
                            await Task.Delay(due, _stop.Token);
                    }
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Cut();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        await _acceptLoop;
        _stop.Dispose();
    }
}
