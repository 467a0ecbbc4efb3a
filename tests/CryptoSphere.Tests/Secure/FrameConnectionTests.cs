using System.Buffers;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Secure;

/// <summary>Frames over a stream: ordered reading, queued writing, and closing without losing what was queued.</summary>
public class FrameConnectionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>Two connected loopback sockets as streams.</summary>
    private static async Task<(NetworkStream Near, NetworkStream Far, IDisposable Cleanup)> SocketPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var server = await listener.AcceptSocketAsync();
        return (new NetworkStream(server, ownsSocket: true), new NetworkStream(client, ownsSocket: true), new Both(client, server));
    }

    private sealed class Both(Socket a, Socket b) : IDisposable
    {
        public void Dispose()
        {
            a.Dispose();
            b.Dispose();
        }
    }

    private static async Task<List<(FrameType Type, byte[] Body)>> ReadAllAsync(Stream stream)
    {
        using var limit = new CancellationTokenSource(Wait);
        var data = new MemoryStream();
        await stream.CopyToAsync(data, limit.Token);
        var buffer = new ReadOnlySequence<byte>(data.ToArray());
        var frames = new List<(FrameType, byte[])>();
        while (FrameCodec.TryRead(ref buffer, FrameCodec.DefaultMaxFrameBytes, out var type, out var body))
            frames.Add((type, body.ToArray()));
        Assert.True(buffer.IsEmpty, "a partial frame was left over");
        return frames;
    }

    private static ValueTask SendPingAsync(FrameConnection connection, ulong token) =>
        connection.SendAsync(token, static (t, w) => new PingMessage(t).Encode(w, FrameType.Ping));

    [Fact]
    public async Task FramesArrive_InOrder_AndAreHandedOverOneAtATime()
    {
        var (near, far, cleanup) = await SocketPairAsync();
        using var _ = cleanup;
        var received = new List<ulong>();
        var connection = new FrameConnection(near, FrameCodec.DefaultMaxFrameBytes);
        connection.Start((type, body) =>
        {
            received.Add(PingMessage.Decode(body).Token);
            return ValueTask.CompletedTask;
        });
        await using (connection)
        {
            var bytes = new ArrayBufferWriter<byte>();
            for (ulong i = 1; i <= 200; i++)
                new PingMessage(i).Encode(bytes, FrameType.Ping);
            // Written in odd-sized pieces, so frames straddle reads.
            var all = bytes.WrittenMemory;
            for (var offset = 0; offset < all.Length; offset += 333)
                await far.WriteAsync(all[offset..Math.Min(all.Length, offset + 333)]);
            far.Socket.Shutdown(SocketShutdown.Send);

            await connection.Completion.WaitAsync(Wait);
        }

        Assert.Null(connection.Fault);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), received);
    }

    [Fact]
    public async Task Close_SendsEverythingQueuedFirst()
    {
        var (near, far, cleanup) = await SocketPairAsync();
        using var _ = cleanup;
        var connection = new FrameConnection(near, FrameCodec.DefaultMaxFrameBytes);
        connection.Start((_, _) => ValueTask.CompletedTask);
        for (ulong i = 1; i <= 500; i++)
            await SendPingAsync(connection, i);

        await connection.CloseAsync(Wait);

        var frames = await ReadAllAsync(far);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (ulong)i), frames.Select(f => PingMessage.Decode(new(f.Body)).Token));
    }

    [Fact]
    public async Task LoneFrames_WrittenByTheirSenders_StayInOrder_WithBurstsThroughThePipe()
    {
        var (near, far, cleanup) = await SocketPairAsync();
        using var _ = cleanup;
        var connection = new FrameConnection(near, FrameCodec.DefaultMaxFrameBytes);
        connection.Start((_, _) => ValueTask.CompletedTask);
        ulong token = 0;
        for (var round = 0; round < 20; round++)
        {
            // A pause makes the next frame lone (its sender writes it); the burst behind it goes through the pipe.
            await Task.Delay(2);
            await SendPingAsync(connection, ++token);
            // Nothing was sent before, so the first frame is lone whatever the machine's load: its sender wrote it.
            if (round == 0)
                Assert.Equal(1, connection.LoneWrites);
            var burst = new List<Task>();
            for (var i = 0; i < 50; i++)
                burst.Add(SendPingAsync(connection, ++token).AsTask());
            await Task.WhenAll(burst);
        }

        await connection.CloseAsync(Wait);

        var frames = await ReadAllAsync(far);
        Assert.Equal(Enumerable.Range(1, (int)token).Select(i => (ulong)i), frames.Select(f => PingMessage.Decode(new(f.Body)).Token));
        Assert.True(connection.LoopWrites >= 1, "no burst went through the write loop");
    }

    [Fact]
    public async Task ABurst_BehindALoneFrame_IsWrittenByTheLoop_InAtMostTwoWrites()
    {
        var (near, far, cleanup) = await SocketPairAsync();
        using var _ = cleanup;
        var held = new HeldStream(near);
        var connection = new FrameConnection(held, FrameCodec.DefaultMaxFrameBytes);
        connection.Start((_, _) => ValueTask.CompletedTask);

        // The first frame is lone and its sender's write is held: the burst behind it can only queue in the pipe.
        await SendPingAsync(connection, 1);
        await held.FirstWriteStarted.WaitAsync(Wait);
        await Task.WhenAll(Enumerable.Range(2, 199).Select(i => SendPingAsync(connection, (ulong)i).AsTask()));
        held.Release();
        await connection.CloseAsync(Wait);

        var frames = await ReadAllAsync(far);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), frames.Select(f => PingMessage.Decode(new(f.Body)).Token));
        Assert.Equal(1, connection.LoneWrites);
        // The loop may have picked up the burst's first frame before the rest was queued: then it takes two writes.
        Assert.InRange(connection.LoopWrites, 1, 2);
    }

    [Fact]
    public async Task ALoneFrame_ToAPeerThatDoesNotRead_DoesNotHoldItsSender()
    {
        var stream = new StalledStream();
        var connection = new FrameConnection(stream, FrameCodec.DefaultMaxFrameBytes);
        connection.Start((_, _) => ValueTask.CompletedTask);

        // The first frame is lone: its sender starts the write, which never finishes; the next one is queued behind it.
        await SendPingAsync(connection, 1).AsTask().WaitAsync(Wait);
        await stream.WriteStarted.WaitAsync(Wait);
        await SendPingAsync(connection, 2).AsTask().WaitAsync(Wait);

        // Closing gives up on the stalled write after 300 ms; it must not wait for it.
        await connection.CloseAsync(TimeSpan.FromMilliseconds(300)).AsTask().WaitAsync(Wait);
    }

    [Fact]
    public async Task AFrameQueuedByTheHandler_BeforeItFails_IsStillSentOnClose()
    {
        for (var round = 0; round < 20; round++)
        {
            var (near, far, cleanup) = await SocketPairAsync();
            using var _ = cleanup;
            FrameConnection? connection = null;
            connection = new FrameConnection(near, FrameCodec.DefaultMaxFrameBytes);
            connection.Start(async (_, _) =>
            {
                await connection.SendAsync(0, static (_, w) => new ErrorMessage(ErrorCode.ProtocolError, "go away").Encode(w));
                throw new FrameFormatException("a frame we refuse");
            });
            await far.WriteAsync(new byte[] { 0, 0, 0, 1, 0x10 });

            await connection.Completion.WaitAsync(Wait);
            Assert.IsType<FrameFormatException>(connection.Fault);
            await connection.CloseAsync(Wait);

            var frames = await ReadAllAsync(far);
            var error = Assert.Single(frames);
            Assert.Equal(FrameType.Error, error.Type);
            Assert.Equal("go away", ErrorMessage.Decode(new(error.Body)).Reason);
        }
    }

    [Fact]
    public async Task SendAfterClose_ThrowsIOException()
    {
        var (near, _, cleanup) = await SocketPairAsync();
        using var _c = cleanup;
        var connection = new FrameConnection(near, FrameCodec.DefaultMaxFrameBytes);
        connection.Start((_, _) => ValueTask.CompletedTask);

        await connection.CloseAsync(Wait);

        await Assert.ThrowsAsync<IOException>(async () => await SendPingAsync(connection, 1));
    }

    [Fact]
    public async Task SendWhileClosing_ThrowsIOException_NotOperationCanceled()
    {
        // The write loop is stuck on a peer that does not read, so closing waits (holding the send lock).
        var stream = new StalledStream();
        var connection = new FrameConnection(stream, FrameCodec.DefaultMaxFrameBytes);
        connection.Start((_, _) => ValueTask.CompletedTask);
        await SendPingAsync(connection, 1);
        await stream.WriteStarted.WaitAsync(Wait);

        var closing = connection.CloseAsync(TimeSpan.FromMilliseconds(300));
        var sending = SendPingAsync(connection, 2).AsTask();
        await closing;

        var error = await Record.ExceptionAsync(() => sending.WaitAsync(Wait));
        Assert.IsType<IOException>(error);
    }

    [Fact]
    public async Task AnOversizedFrame_EndsReading_WithAFault()
    {
        var (near, far, cleanup) = await SocketPairAsync();
        using var _ = cleanup;
        var handled = 0;
        var connection = new FrameConnection(near, maxFrameBytes: 100);
        connection.Start((_, _) =>
        {
            handled++;
            return ValueTask.CompletedTask;
        });
        await using (connection)
        {
            await far.WriteAsync(new byte[] { 0, 0, 0, 101, 0x10 });

            await connection.Completion.WaitAsync(Wait);
        }

        Assert.IsType<FrameFormatException>(connection.Fault);
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task APeerThatClosesMidFrame_IsAFault()
    {
        var (near, far, cleanup) = await SocketPairAsync();
        using var _ = cleanup;
        var connection = new FrameConnection(near, FrameCodec.DefaultMaxFrameBytes);
        connection.Start((_, _) => ValueTask.CompletedTask);
        await using (connection)
        {
            await far.WriteAsync(new byte[] { 0, 0, 0, 9, 0x03, 1, 2 });
            far.Socket.Shutdown(SocketShutdown.Send);

            await connection.Completion.WaitAsync(Wait);
        }

        var fault = Assert.IsType<FrameFormatException>(connection.Fault);
        Assert.Contains("middle of a frame", fault.Message);
    }

    /// <summary>A stream whose first write waits for <see cref="Release"/>; everything else goes straight to the inner stream.</summary>
    private sealed class HeldStream(Stream inner) : AsyncOnlyStream
    {
        private readonly TaskCompletionSource _firstWriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _writes;

        public Task FirstWriteStarted => _firstWriteStarted.Task;

        public void Release() => _released.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _writes) == 1)
            {
                _firstWriteStarted.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    }

    /// <summary>Reads never return and writes never finish, until cancelled or disposed.</summary>
    private sealed class StalledStream : AsyncOnlyStream
    {
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _writeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task WriteStarted => _writeStarted.Task;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _disposed.Task.WaitAsync(cancellationToken);
            throw new ObjectDisposedException(nameof(StalledStream));
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _writeStarted.TrySetResult();
            await _disposed.Task.WaitAsync(cancellationToken);
            throw new ObjectDisposedException(nameof(StalledStream));
        }

        public override ValueTask DisposeAsync()
        {
            _disposed.TrySetResult();
            return base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            _disposed.TrySetResult();
            base.Dispose(disposing);
        }

        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The members of a readable, writable, unseekable stream that the tests' streams do not use.</summary>
    private abstract class AsyncOnlyStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
