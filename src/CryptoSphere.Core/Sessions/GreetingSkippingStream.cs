namespace CryptoSphere.Core.Sessions;

/// <summary>
/// For a dialer that sends its TLS ClientHello at once: if the listener's greeting arrived first anyway (the
/// ClientHello was slow to leave a loaded machine), it is dropped here so the TLS layer sees only TLS.
/// </summary>
internal sealed class GreetingSkippingStream(Stream inner) : Stream
{
    private bool _checked;
    private byte[]? _pending;
    private int _pendingOffset;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (!_checked)
            await CheckAsync(cancellationToken).ConfigureAwait(false);
        if (_pending is { } pending && _pendingOffset < pending.Length)
        {
            var count = Math.Min(destination.Length, pending.Length - _pendingOffset);
            pending.AsMemory(_pendingOffset, count).CopyTo(destination);
            _pendingOffset += count;
            return count;
        }
        return await inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    // Reads the first bytes once: the greeting is dropped, anything else is handed on unchanged.
    private async Task CheckAsync(CancellationToken token)
    {
        _checked = true;
        var greeting = ServerGreeting.Bytes;
        var buffer = new byte[greeting.Length];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await inner.ReadAsync(buffer.AsMemory(length), token).ConfigureAwait(false);
            if (read == 0)
                break;
            length += read;
            if (!greeting.AsSpan(0, length).SequenceEqual(buffer.AsSpan(0, length)))
                break;
        }
        _pending = length == greeting.Length && buffer.AsSpan().SequenceEqual(greeting) ? null : buffer[..length];
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(source, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
