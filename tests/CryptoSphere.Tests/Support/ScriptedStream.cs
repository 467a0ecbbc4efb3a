namespace CryptoSphere.Tests.Support;

/// <summary>
/// A read-only stream that hands out the given chunks one per read (each read returns at most
/// one chunk), then either ends, or stays open forever without data, as a silent socket does, or fails with
/// <paramref name="failAfterChunks"/>, as a connection cut off half-way does.
/// </summary>
public sealed class ScriptedStream(IEnumerable<byte[]> chunks, bool endAfterChunks, Exception? failAfterChunks = null) : Stream
{
    private readonly Queue<byte[]> _chunks = new(chunks);
    private byte[]? _current;
    private int _offset;

    public static ScriptedStream Silent() => new([], endAfterChunks: false);

    /// <summary>How many reads returned data or end of stream (blocked reads are not counted).</summary>
    public int CompletedReads { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        if (_current is null || _offset == _current.Length)
        {
            if (_chunks.TryDequeue(out var next))
            {
                _current = next;
                _offset = 0;
            }
            else if (failAfterChunks is not null)
            {
                throw failAfterChunks;
            }
            else if (endAfterChunks)
            {
                CompletedReads++;
                return 0;
            }
            else
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
        var count = Math.Min(buffer.Length, _current!.Length - _offset);
        _current.AsMemory(_offset, count).CopyTo(buffer);
        _offset += count;
        CompletedReads++;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

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
