using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// A secure peer with no node behind it: it completes the TLS handshake and the HELLO exchange (announcing
/// the capabilities it is given), then sends exactly the frames a test gives it while a reader keeps every
/// frame it receives (answering PINGs). Tests use it to play a peer that breaks the transfer rules.
/// (<see cref="RawSecurePeer"/> is the lower-level, read-it-yourself variant.)
/// </summary>
internal sealed class RecordingSecurePeer : IAsyncDisposable
{
    private readonly SslStream _stream;
    private readonly Channel<(FrameType Type, byte[] Body)> _frames = Channel.CreateUnbounded<(FrameType, byte[])>();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _readLoop;

    private RecordingSecurePeer(SslStream stream, NodeIdentity identity)
    {
        _stream = stream;
        Identity = identity;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    public NodeIdentity Identity { get; }

    public PeerId Id => Identity.Id;

    public static async Task<RecordingSecurePeer> ConnectAsync(int port, string name = "mallory", uint capabilities = Capabilities.FileTransfer)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var identity = NodeIdentity.CreateEphemeral();
        var (ssl, _) = await TlsHandshake.ConnectAsync(new NetworkStream(socket, ownsSocket: true), identity, null,
            TimeSpan.FromSeconds(10), CancellationToken.None);
        var peer = new RecordingSecurePeer(ssl, identity);
        await peer.SendAsync(w => new HelloMessage(HelloMessage.CurrentVersion, 1, capabilities, name).Encode(w));
        await peer.ReceiveAsync(FrameType.Hello);
        return peer;
    }

    public async Task SendAsync(Action<IBufferWriter<byte>> encode)
    {
        var buffer = new ArrayBufferWriter<byte>();
        encode(buffer);
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(buffer.WrittenMemory);
            await _stream.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The next frame of <paramref name="type"/> (frames of other types before it are dropped).</summary>
    public async Task<byte[]> ReceiveAsync(FrameType type, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? EventWaiter.DefaultTimeout);
        try
        {
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(limit.Token);
                if (frame.Type == type)
                    return frame.Body;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {type} frame arrived");
        }
        catch (ChannelClosedException)
        {
            throw new IOException($"the connection closed before a {type} frame arrived");
        }
    }

    /// <summary>Frames received and not yet taken, without waiting.</summary>
    public List<FrameType> Pending()
    {
        var types = new List<FrameType>();
        while (_frames.Reader.TryRead(out var frame))
            types.Add(frame.Type);
        return types;
    }

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                while (FrameCodec.TryRead(ref buffer, 16 * 1024 * 1024, out var type, out var body))
                {
                    if (type == FrameType.Ping)
                    {
                        var token = PingMessage.Decode(body);
                        _ = SendAsync(w => token.Encode(w, FrameType.Pong));
                        continue;
                    }
                    _frames.Writer.TryWrite((type, body.ToArray()));
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                    break;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or FrameFormatException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
            await reader.CompleteAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        await _readLoop;
        Identity.Dispose();
    }
}
