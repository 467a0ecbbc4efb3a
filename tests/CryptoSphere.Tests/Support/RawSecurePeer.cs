using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// One end of a secure connection driven by hand: TLS via <see cref="TlsHandshake"/>, then exact frames
/// written and read by the test, so it can misbehave in ways a real node never would.
/// </summary>
internal sealed class RawSecurePeer : IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly SslStream _ssl;
    private readonly NodeIdentity _identity;
    private readonly bool _ownsIdentity;

    private RawSecurePeer(Socket socket, SslStream ssl, NodeIdentity identity, bool ownsIdentity, PeerId remoteId)
    {
        _socket = socket;
        _ssl = ssl;
        _identity = identity;
        _ownsIdentity = ownsIdentity;
        RemoteId = remoteId;
    }

    /// <summary>The ID this end proves.</summary>
    public PeerId Id => _identity.Id;

    /// <summary>The ID the other end proved.</summary>
    public PeerId RemoteId { get; }

    /// <summary>This end's port: the other end's socket for this connection has it as its remote port.</summary>
    public int LocalPort => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> as a TLS client (a new identity when none is given).</summary>
    public static async Task<RawSecurePeer> ConnectAsync(int port, NodeIdentity? identity = null, PeerId? expected = null,
        IPAddress? from = null)
    {
        var owns = identity is null;
        identity ??= NodeIdentity.CreateEphemeral();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Another loopback address (127.0.0.2) is another host as far as per-address limits go.
            if (from is not null)
                socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(IPAddress.Loopback, port);
            var (ssl, remote) = await TlsHandshake.ConnectAsync(new NetworkStream(socket, ownsSocket: false), identity, expected,
                HandshakeTimeout, CancellationToken.None);
            return new RawSecurePeer(socket, ssl, identity, owns, remote);
        }
        catch
        {
            socket.Dispose();
            if (owns)
                identity.Dispose();
            throw;
        }
    }

    /// <summary>Connects to <paramref name="node"/> (proving its ID) and exchanges HELLOs, as a peer with no listener.</summary>
    public static async Task<RawSecurePeer> GreetAsync(CryptoSphere.Core.Node.ChatNode node, string name = "raw")
    {
        var raw = await ConnectAsync(node.Port, expected: node.Identity.Id);
        try
        {
            await raw.SendHelloAsync(listenPort: (ushort)TestNodes.DeadPort(), name);
            await raw.ReadUntilAsync(FrameType.Hello);
            return raw;
        }
        catch
        {
            await raw.DisposeAsync();
            throw;
        }
    }

    public Task SendAckAsync(Guid id) => SendAsync(new AckMessage(id).Encode);

    /// <summary>Accepts one connection on <paramref name="listener"/> as the TLS server.</summary>
    public static async Task<RawSecurePeer> AcceptAsync(TcpListener listener, NodeIdentity identity)
    {
        using var limit = new CancellationTokenSource(HandshakeTimeout);
        var socket = await listener.AcceptSocketAsync(limit.Token);
        try
        {
            // As a node's listener does: a dialer that does not know this address waits for it.
            await ServerGreeting.GreetIfSilentAsync(socket, limit.Token);
            var (ssl, remote) = await TlsHandshake.AcceptAsync(new NetworkStream(socket, ownsSocket: false), identity,
                HandshakeTimeout, CancellationToken.None);
            return new RawSecurePeer(socket, ssl, identity, ownsIdentity: false, remote);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task SendHelloAsync(ushort listenPort, string name = "raw", ushort version = HelloMessage.CurrentVersion) =>
        SendAsync(w => new HelloMessage(version, listenPort, 0, name).Encode(w));

    public Task SendChatAsync(ChatMessage message) => SendAsync(message.Encode);

    /// <summary>Writes whatever <paramref name="encode"/> writes, in one TLS write.</summary>
    public Task SendAsync(Action<IBufferWriter<byte>> encode)
    {
        var output = new ArrayBufferWriter<byte>();
        encode(output);
        return WriteAsync(output.WrittenSpan.ToArray());
    }

    public async Task WriteAsync(byte[] bytes)
    {
        await _ssl.WriteAsync(bytes);
        await _ssl.FlushAsync();
    }

    /// <summary>The next frame; null when the other side closed the connection (cleanly or not).</summary>
    public async Task<(FrameType Type, byte[] Body)?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? EventWaiter.DefaultTimeout);
        try
        {
            var header = new byte[4];
            if (!await ReadExactlyOrEndAsync(header, limit.Token))
                return null;
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var payload = new byte[length];
            if (!await ReadExactlyOrEndAsync(payload, limit.Token))
                return null;
            return ((FrameType)payload[0], payload[1..]);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            throw new TimeoutException("no frame from the other side in time");
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Reads frames until one of <paramref name="type"/>; the frames skipped on the way are returned too.</summary>
    public async Task<(byte[] Body, List<FrameType> Skipped)> ReadUntilAsync(FrameType type, TimeSpan? timeout = null)
    {
        var skipped = new List<FrameType>();
        while (true)
        {
            var frame = await ReadFrameAsync(timeout)
                        ?? throw new IOException($"closed before a {type} frame; skipped: {string.Join(", ", skipped)}");
            if (frame.Type == type)
                return (frame.Body, skipped);
            skipped.Add(frame.Type);
        }
    }

    /// <summary>Reads (and records) frames until the other side closes; throws if it does not within the timeout.</summary>
    public async Task<List<(FrameType Type, byte[] Body)>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var frames = new List<(FrameType, byte[])>();
        var deadline = DateTime.UtcNow + (timeout ?? EventWaiter.DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"the connection is still open; frames: {string.Join(", ", frames.Select(f => f.Item1))}");
            var frame = await ReadFrameAsync(left);
            if (frame is null)
                return frames;
            frames.Add(frame.Value);
        }
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken token)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _ssl.ReadAsync(buffer.AsMemory(read), token);
            if (n == 0)
                return false;
            read += n;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _ssl.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
        if (_ownsIdentity)
            _identity.Dispose();
    }
}
