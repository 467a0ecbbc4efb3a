using System.Net;
using System.Net.Sockets;
using System.Text;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

public class LegacyMessageReaderTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);
    private const string Message = "<1.2.3.4:5000> @ <t>\nhello\n<end>";

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static Task<LegacyReadResult> Read(Stream stream, int maxBytes = 64 * 1024, TimeSpan? timeout = null) =>
        LegacyMessageReader.ReadAsync(stream, maxBytes, timeout ?? Generous, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(15));

    [Fact]
    public async Task ReadsUntilEndOfStream()
    {
        var data = Bytes("<1.2.3.4:5000> @ <t>\nno end marker, sender just closed");

        var result = await Read(new MemoryStream(data));

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(data, result.Data);
    }

    [Fact]
    public async Task ReadsADisconnectUntilEndOfStream()
    {
        var data = Bytes("<1.2.3.4:5000> DISCONNECT");

        var result = await Read(new ScriptedStream([data[..5], data[5..]], endAfterChunks: true));

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(data, result.Data);
    }

    [Fact]
    public async Task EmptyStream_GivesNoDataAndNoError()
    {
        var result = await Read(new MemoryStream());

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Empty(result.Data);
    }

    [Fact]
    public async Task StopsAtEndMarker_WhileTheStreamStaysOpen()
    {
        // If the reader waited for EOF it would time out instead (after 5 s) and report TimedOut.
        var stream = new ScriptedStream([Bytes(Message)], endAfterChunks: false);

        var result = await Read(stream, timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(Bytes(Message), result.Data);
    }

    [Fact]
    public async Task StopsAtEndMarkerSplitAcrossReads()
    {
        var stream = new ScriptedStream(
            [Bytes("<1.2.3.4:5000> @ <t>\nhello\n<e"), Bytes("nd"), Bytes(">")], endAfterChunks: false);

        var result = await Read(stream, timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(Bytes(Message), result.Data);
    }

    [Fact]
    public async Task EndMarkerInsideTheText_DoesNotStopTheRead()
    {
        // "<end>" that is not at the start of a line is text, not the marker: the spec's marker is "\n<end>".
        var first = Bytes("<1.2.3.4:5000> @ <t>\nwrap it in <end>");
        var second = Bytes(" tags\n<end>");
        var stream = new ScriptedStream([first, second], endAfterChunks: false);

        var result = await Read(stream, timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(first.Concat(second).ToArray(), result.Data);
    }

    [Fact]
    public async Task AssemblesManySmallChunks()
    {
        var text = string.Concat(Enumerable.Repeat("0123456789", 300));
        var data = Bytes($"<1.2.3.4:5000> @ <t>\n{text}\n<end>");
        var chunks = data.Chunk(7).ToArray();
        var stream = new ScriptedStream(chunks, endAfterChunks: true);

        var result = await Read(stream);

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(data, result.Data);
        Assert.True(stream.CompletedReads >= chunks.Length);
    }

    [Fact]
    public async Task AssemblesChunksArrivingSlowlyOnARealSocket()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var sender = new TcpClient { NoDelay = true };
        await sender.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var receiver = await listener.AcceptTcpClientAsync();
        var data = Bytes($"<1.2.3.4:5000> @ <t>\n{new string('x', 2500)}\n<end>");

        var reading = LegacyMessageReader.ReadAsync(receiver.GetStream(), 64 * 1024, Generous, CancellationToken.None);
        var senderStream = sender.GetStream();
        foreach (var chunk in data.Chunk(97))
        {
            await senderStream.WriteAsync(chunk);
            await senderStream.FlushAsync();
            await Task.Yield();
        }
        // The sender keeps the socket open: only the marker can end the read.
        var result = await reading.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(data, result.Data);
    }

    [Fact]
    public async Task MessageExactlyAtTheCap_IsAccepted()
    {
        var data = Bytes(Message);

        var result = await Read(new MemoryStream(data), maxBytes: data.Length);

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(data, result.Data);
    }

    [Fact]
    public async Task MessageOneByteOverTheCap_IsTooLarge()
    {
        var data = Bytes(Message);

        var result = await Read(new MemoryStream(data), maxBytes: data.Length - 1);

        Assert.Equal(LegacyReadError.TooLarge, result.Error);
        Assert.Empty(result.Data);
    }

    [Fact]
    public async Task CapExceededAcrossManyChunks_IsTooLarge_WithoutReadingToTheEnd()
    {
        var data = Bytes($"<1.2.3.4:5000> @ <t>\n{new string('y', 100_000)}\n<end>");
        var chunks = data.Chunk(1000).ToArray();
        var stream = new ScriptedStream(chunks, endAfterChunks: false);

        var result = await Read(stream, maxBytes: 5000, timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(LegacyReadError.TooLarge, result.Error);
        Assert.InRange(stream.CompletedReads, 6, 10);
    }

    [Fact]
    public async Task CapOfIntMaxValue_MeansNoPracticalLimit()
    {
        var data = Bytes(Message);

        var result = await Read(new MemoryStream(data), maxBytes: int.MaxValue);

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(data, result.Data);
    }

    [Fact]
    public async Task SilentStream_TimesOut()
    {
        var result = await Read(ScriptedStream.Silent(), timeout: Short);

        Assert.Equal(LegacyReadError.TimedOut, result.Error);
        Assert.Empty(result.Data);
    }

    [Fact]
    public async Task StreamThatStallsMidMessage_TimesOutWithThePartialData()
    {
        var partial = Bytes("<1.2.3.4:5000> @ <t>\nhel");

        var result = await Read(new ScriptedStream([partial], endAfterChunks: false), timeout: Short);

        Assert.Equal(LegacyReadError.TimedOut, result.Error);
        Assert.Equal(partial, result.Data);
    }

    [Fact]
    public async Task CallerCancellation_IsNotReportedAsATimeout()
    {
        using var cancel = new CancellationTokenSource(Short);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            LegacyMessageReader.ReadAsync(ScriptedStream.Silent(), 1024, Generous, cancel.Token).WaitAsync(Generous));
    }

    [Fact]
    public async Task ASenderThatTricklesForever_IsCutOffAtTheDeadline_WithWhatArrived()
    {
        // Each read completes well within the read timeout, so only the deadline can end this.
        var result = await LegacyMessageReader.ReadAsync(new TricklingStream(), 64 * 1024, Generous, CancellationToken.None, deadline: Short)
            .WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(LegacyReadError.TimedOut, result.Error);
        Assert.NotEmpty(result.Data);
        Assert.All(result.Data, b => Assert.Equal((byte)'x', b));
    }

    [Fact]
    public async Task AMessageWithinTheDeadline_IsReadWhole()
    {
        var data = Bytes(Message);

        var result = await LegacyMessageReader.ReadAsync(new ScriptedStream(data.Chunk(5), endAfterChunks: false), 64 * 1024, Generous,
            CancellationToken.None, deadline: Generous).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(data, result.Data);
    }

    [Fact]
    public async Task CallerCancellation_WithADeadline_IsStillNotATimeout()
    {
        using var cancel = new CancellationTokenSource(Short);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            LegacyMessageReader.ReadAsync(ScriptedStream.Silent(), 1024, Generous, cancel.Token, deadline: Generous).WaitAsync(Generous));
    }

    // 4096 bytes is the first buffer: the cap is checked across the first growth, not just within one buffer.
    [Theory]
    [InlineData(4095, false)]
    [InlineData(4096, false)]
    [InlineData(4097, true)]
    [InlineData(8193, true)]
    public async Task TheCapHolds_AroundTheFirstBufferSize(int size, bool tooLarge)
    {
        var expected = tooLarge ? LegacyReadError.TooLarge : LegacyReadError.None;
        var data = Bytes(new string('z', size));

        var result = await Read(new ScriptedStream(data.Chunk(1000), endAfterChunks: true), maxBytes: 4096);

        Assert.Equal(expected, result.Error);
        Assert.Equal(expected == LegacyReadError.None ? data : [], result.Data);
    }

    [Fact]
    public async Task AMessageManyBuffersLong_IsReadWhole()
    {
        var data = Bytes($"<1.2.3.4:5000> @ <t>\n{new string('m', 40_000)}\n<end>");

        var result = await Read(new ScriptedStream(data.Chunk(3000), endAfterChunks: false), timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(LegacyReadError.None, result.Error);
        Assert.Equal(data, result.Data);
    }

    [Fact]
    public async Task ANoPracticalCap_GrowsTheBufferWithTheMessage_NotUpFront()
    {
        // The cap bounds what a sender can make the node hold; it must never be what the node allocates.
        // The stream answers synchronously, so the whole read runs on this thread and is counted here.
        var data = Bytes($"<1.2.3.4:5000> @ <t>\n{new string('g', 10_000)}");
        using var stream = new SmallReadsStream(data, 100);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var read = LegacyMessageReader.ReadAsync(stream, int.MaxValue, Generous, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(read.IsCompletedSuccessfully);
        Assert.InRange(allocated, 0, 16 * 1024 * 1024);
        Assert.Equal(data, (await read).Data);
    }

    /// <summary>A memory stream that hands out at most a few bytes per read, synchronously.</summary>
    private sealed class SmallReadsStream(byte[] data, int perRead) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, perRead)], cancellationToken);
    }

    /// <summary>Hands out one byte at a time, a little apart, and never ends.</summary>
    private sealed class TricklingStream : Stream
    {
        private bool _started;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // The first byte at once, so something has arrived whenever the deadline ends the read: with a pause before it
            // too, a loaded machine that held the reader for the whole 0.2 s would have left the read empty.
            if (_started)
                await Task.Delay(10, cancellationToken);
            _started = true;
            buffer.Span[0] = (byte)'x';
            return 1;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
