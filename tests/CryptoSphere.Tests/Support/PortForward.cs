using System.Net;
using System.Net.Sockets;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// A router's port forward, opened when the test decides: connections to 127.0.0.1:<see cref="Port"/> are passed
/// on, byte for byte, to the target. Before <see cref="Open"/> nothing listens there, as behind a closed NAT.
/// </summary>
internal sealed class PortForward : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private int _connections;

    private PortForward(int port, IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Connections passed on so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public static PortForward Open(int port, IPEndPoint target) => new(port, target);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var inbound = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                lock (_pumps)
                    _pumps.Add(PassOnAsync(inbound));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Closed.
        }
    }

    private async Task PassOnAsync(Socket inbound)
    {
        using var outbound = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var _ = inbound;
        try
        {
            await outbound.ConnectAsync(_target, _stop.Token);
            await using var a = new NetworkStream(inbound);
            await using var b = new NetworkStream(outbound);
            // Either direction ending ends both, as a closed connection would.
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // One side went away.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] pumps;
        lock (_pumps)
            pumps = [.. _pumps];
        await Task.WhenAll(pumps);
        _stop.Dispose();
    }
}
