using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// An "old peer" on raw sockets: it captures the exact bytes of every accepted connection
/// until the sender closes, and can send exact bytes the way the original script does.
/// </summary>
public sealed class RawLegacyPeer : IAsyncDisposable
{
    private static readonly TimeSpan CaptureLimit = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener;
    private readonly Channel<byte[]> _received = Channel.CreateUnbounded<byte[]>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    private RawLegacyPeer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public static RawLegacyPeer Start() => new();

    public int Port { get; }

    public PeerKey Key => new(TestNodes.Loopback, Port);

    private int _tlsProbes;
    private int _connections;

    /// <summary>Connections that began with a TLS record: what the original peer would print as a decode error.</summary>
    public int TlsProbes => Volatile.Read(ref _tlsProbes);

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private int _readsLeft = int.MaxValue;
    private int _unread;

    /// <summary>
    /// How many more messages it reads; after that it closes each connection as soon as bytes arrive, unread (the
    /// sender sees a reset), as an old peer that is stopping does.
    /// </summary>
    public int ReadsLeft
    {
        get => Volatile.Read(ref _readsLeft);
        set => Volatile.Write(ref _readsLeft, value);
    }

    /// <summary>Connections closed with their message unread.</summary>
    public int Unread => Volatile.Read(ref _unread);

    /// <summary>The bytes of the next connection that closed (in order of completion).</summary>
    public async Task<byte[]> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? EventWaiter.DefaultTimeout);
        try
        {
            return await _received.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            throw new TimeoutException($"the raw peer on port {Port} received nothing");
        }
    }

    public async Task<string> ReceiveStringAsync(TimeSpan? timeout = null) =>
        Encoding.UTF8.GetString(await ReceiveAsync(timeout));

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/>, writes the bytes, closes; returns the source port used.
    /// Throws only when the connection cannot be made.
    /// </summary>
    public static async Task<int> SendAsync(int port, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var sourcePort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        try
        {
            await using (var stream = new NetworkStream(socket, ownsSocket: false))
                await stream.WriteAsync(bytes);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // A receiver may refuse (and reset) a connection before reading it all, e.g. over its size cap.
            // The legacy protocol has no acknowledgement, so the sender cannot tell either: tests assert on the node.
        }
        return sourcePort;
    }

    public static Task<int> SendAsync(int port, string text) => SendAsync(port, Encoding.UTF8.GetBytes(text));

    private async Task AcceptLoopAsync()
    {
        var captures = new List<Task>();
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                break;
            }
            Interlocked.Increment(ref _connections);
            captures.Add(CaptureAsync(socket));
        }
        await Task.WhenAll(captures);
    }

    private async Task CaptureAsync(Socket socket)
    {
        using (socket)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            limit.CancelAfter(CaptureLimit);
            var data = new MemoryStream();
            var buffer = new byte[4096];
            try
            {
                // Bytes arrived (or the sender closed): read them, or close at once without reading.
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, limit.Token);
                if (socket.Available > 0 && Interlocked.Decrement(ref _readsLeft) < 0)
                {
                    Interlocked.Increment(ref _unread);
                    socket.LingerState = new LingerOption(true, 0);
                    return;
                }
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0)
                {
                    // A TLS ClientHello: a CryptoSphere node probing for the secure protocol. An old
                    // peer cannot answer it; closing makes the node fall back to the legacy protocol.
                    if (data.Length == 0 && buffer[0] == 0x16)
                    {
                        Interlocked.Increment(ref _tlsProbes);
                        return;
                    }
                    data.Write(buffer, 0, read);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                return; // never closed, or reset: not a complete legacy message
            }
            // Closed without a byte: a node that waited for a greeting and then did not send (--secure-only).
            if (data.Length > 0)
                _received.Writer.TryWrite(data.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }
}
