using System.Buffers;
using System.IO.Pipelines;

namespace CryptoSphere.Core.Secure;

/// <summary>
/// Frames over a duplex stream. Reading: a PipeReader parses whole frames and hands them to one handler,
/// in order. Writing: senders encode into an in-memory pipe; one loop drains whatever has queued
/// into a single stream write and flush, so many small messages cost few syscalls and TLS records.
/// A lone frame (nothing queued, the stream idle, no other frame for <see cref="LoneGap"/>) is written by its
/// sender instead: one message at a time then costs no hop to the write loop's thread on either side (the chat
/// frame, and its ACK), while a burst still goes through the pipe and shares writes.
/// </summary>
internal sealed class FrameConnection : IAsyncDisposable
{
    private const int WriteChunk = 64 * 1024;

    // Frames closer together than this are a burst (a flush of the outbox, a batch's ACKs: microseconds apart) and go
    // through the pipe; one message at a time comes a round trip apart.
    private static readonly long LoneGap = System.Diagnostics.Stopwatch.Frequency / 10_000;

    // A lone frame's buffer is kept for the next one unless a large frame grew it.
    private const int DirectBufferKept = 4 * 1024;

    private readonly Stream _stream;
    private readonly int _maxFrameBytes;
    private readonly Limits.PartialFrameBudget? _partial;
    private readonly Pipe _outgoing = new(new PipeOptions(
        pauseWriterThreshold: 8 * 1024 * 1024, resumeWriterThreshold: 4 * 1024 * 1024, useSynchronizationContext: false));
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    // Held by whoever writes to the stream: the write loop, or a lone frame's sender.
    private readonly SemaphoreSlim _streamGate = new(1, 1);
    // Bytes put in the pipe and not yet written by the loop: a lone frame may only go first when nothing is.
    private long _queued;
    // When a frame was last queued or a write ended (Stopwatch ticks).
    private long _lastActivity;
    private ArrayBufferWriter<byte>? _direct;
    // Writes to the stream by a lone frame's sender, and by the loop: counted under _streamGate, read by tests.
    private long _loneWrites;
    private long _loopWrites;
    private readonly CancellationTokenSource _closed = new();
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;
    private int _disposed;
    private int _streamDisposed;
    private readonly TaskCompletionSource _streamClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FrameConnection(Stream stream, int maxFrameBytes, Limits.PartialFrameBudget? partial = null)
    {
        _stream = stream;
        _maxFrameBytes = maxFrameBytes;
        _partial = partial;
    }

    /// <summary>Why reading stopped: null for a clean close by the other side.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Frames written by their senders (the lone path).</summary>
    internal long LoneWrites => Volatile.Read(ref _loneWrites);

    /// <summary>Writes by the write loop, each of whatever had queued (the batched path).</summary>
    internal long LoopWrites => Volatile.Read(ref _loopWrites);

    /// <summary>Completes when the connection is finished, for whatever reason.</summary>
    public Task Completion => _readLoop;

    /// <summary>Completes once the stream (and with it the socket) is disposed: by <see cref="CloseAsync"/> or <see cref="Abort"/>.</summary>
    public Task Closed => _streamClosed.Task;

    public void Start(Func<FrameType, ReadOnlySequence<byte>, ValueTask> onFrame)
    {
        _writeLoop = Task.Run(WriteLoopAsync);
        _readLoop = Task.Run(() => ReadLoopAsync(onFrame));
    }

    /// <summary>Queues one or more frames written by <paramref name="encode"/>; returns once queued, not sent.</summary>
    public async ValueTask SendAsync<TState>(TState state, Action<TState, IBufferWriter<byte>> encode)
    {
        if (_closed.IsCancellationRequested)
            throw new IOException("the connection is closed");
        try
        {
            // Closing keeps the lock: a sender waiting for it is cancelled, and that means closed.
            await _writeLock.WaitAsync(_closed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new IOException("the connection is closed");
        }
        var direct = false;
        try
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            var lone = now - Volatile.Read(ref _lastActivity) > LoneGap;
            Volatile.Write(ref _lastActivity, now);
            // Nothing in the pipe (all of it written, since the loop counts bytes off after writing) and nobody writing.
            if (lone && Interlocked.Read(ref _queued) == 0 && _streamGate.Wait(0))
            {
                direct = true;
                try
                {
                    encode(state, _direct ??= new ArrayBufferWriter<byte>(256));
                }
                catch
                {
                    EndDirect();
                    throw;
                }
            }
            else
            {
                encode(state, _outgoing.Writer);
                Interlocked.Add(ref _queued, _outgoing.Writer.UnflushedBytes);
                // Wakes the write loop; only waits when the peer is not reading (back-pressure).
                await _outgoing.Writer.FlushAsync(_closed.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            throw new IOException("the connection is closed");
        }
        finally
        {
            _writeLock.Release();
        }
        // Outside the lock: frames queued meanwhile go to the pipe, and the loop writes them after this one.
        if (direct)
            WriteDirect();
    }

    // The sender writes its lone frame itself. It waits for nothing: what the socket does not take at once (a peer that
    // does not read) finishes in the background, still holding the stream, and the loop waits for it.
    private void WriteDirect()
    {
        _loneWrites++;
        ValueTask writing;
        try
        {
            writing = WriteAndFlushAsync(_direct!.WrittenMemory);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            EndDirect();
            return; // as in the write loop: the read loop notices the broken connection
        }
        if (writing.IsCompleted)
        {
            Observe(writing);
            return;
        }
        _ = FinishDirectAsync(writing);
    }

    private async ValueTask WriteAndFlushAsync(ReadOnlyMemory<byte> data)
    {
        await _stream.WriteAsync(data, _closed.Token).ConfigureAwait(false);
        await _stream.FlushAsync(_closed.Token).ConfigureAwait(false);
    }

    private async Task FinishDirectAsync(ValueTask writing)
    {
        try
        {
            await writing.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            EndDirect();
        }
    }

    private void Observe(ValueTask written)
    {
        try
        {
            written.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            EndDirect();
        }
    }

    private void EndDirect()
    {
        if (_direct is { } buffer)
        {
            if (buffer.Capacity > DirectBufferKept)
                _direct = null;
            else
                buffer.ResetWrittenCount();
        }
        Volatile.Write(ref _lastActivity, System.Diagnostics.Stopwatch.GetTimestamp());
        _streamGate.Release();
    }

    private async Task ReadLoopAsync(Func<FrameType, ReadOnlySequence<byte>, ValueTask> onFrame)
    {
        // Zero-byte reads wait for data without holding a buffer, so an idle connection costs little memory;
        // 16 KiB matches a TLS record.
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true, useZeroByteReads: true));
        // A large frame is buffered whole before it is handled: its bytes are claimed from the address's and the
        // node's budget before reading on, so half-sent frames on many connections cannot pin unbounded memory.
        long claimed = 0;
        CancellationTokenSource? deadline = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(deadline?.Token ?? _closed.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                long pending;
                try
                {
                    while (FrameCodec.TryRead(ref buffer, _maxFrameBytes, out var type, out var body))
                    {
                        await onFrame(type, body).ConfigureAwait(false);
                        if (claimed > 0)
                            Unclaim(ref claimed, ref deadline);
                    }
                    pending = FrameCodec.PendingLength(buffer);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                        Fault = new FrameFormatException($"connection closed in the middle of a frame ({buffer.Length} bytes left)");
                    break;
                }
                if (claimed == 0 && _partial is { } budget && pending > budget.FreeBytes)
                {
                    if (!await budget.TakeAsync(pending, _closed.Token).ConfigureAwait(false))
                        throw new IOException($"no memory budget for a {pending}-byte frame: too many large frames arriving at once");
                    claimed = pending;
                    deadline = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
                    deadline.CancelAfter(budget.Deadline);
                }
            }
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (deadline is not null)
        {
            Fault = new IOException($"a {claimed}-byte frame was not complete within {_partial!.Deadline.TotalSeconds:0.#} s");
        }
        catch (Exception e)
        {
            Fault = e;
        }
        finally
        {
            if (claimed > 0)
                Unclaim(ref claimed, ref deadline);
            // Writing is not cancelled here: what was queued before reading stopped (an ERROR that says
            // why) must still go out. CloseAsync, which the owner calls next, drains it and then closes.
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Unclaim(ref long claimed, ref CancellationTokenSource? deadline)
    {
        _partial!.Release(claimed);
        claimed = 0;
        deadline?.Dispose();
        deadline = null;
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outgoing.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_closed.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var length = buffer.Length;
                if (!buffer.IsEmpty)
                {
                    // After a lone frame its sender may still be writing.
                    await _streamGate.WaitAsync(_closed.Token).ConfigureAwait(false);
                    _loopWrites++;
                    // Rented per burst, not per connection: thousands of idle connections hold no write buffer.
                    var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length, WriteChunk));
                    try
                    {
                        while (!buffer.IsEmpty)
                        {
                            var take = (int)Math.Min(buffer.Length, chunk.Length);
                            buffer.Slice(0, take).CopyTo(chunk);
                            await _stream.WriteAsync(chunk.AsMemory(0, take), _closed.Token).ConfigureAwait(false);
                            buffer = buffer.Slice(take);
                        }
                        await _stream.FlushAsync(_closed.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk);
                        Volatile.Write(ref _lastActivity, System.Diagnostics.Stopwatch.GetTimestamp());
                        _streamGate.Release();
                    }
                }
                reader.AdvanceTo(buffer.End);
                Interlocked.Add(ref _queued, -length);
                if (result.IsCompleted)
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends what is queued (waiting at most <paramref name="drainTimeout"/>), then closes.</summary>
    public async ValueTask CloseAsync(TimeSpan drainTimeout)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        try
        {
            // The lock is kept: nothing may be queued after the writer completes.
            if (await _writeLock.WaitAsync(drainTimeout).ConfigureAwait(false))
            {
                await _outgoing.Writer.CompleteAsync().ConfigureAwait(false);
                await _writeLoop.WaitAsync(drainTimeout).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
        }
        _closed.Cancel();
        await DisposeStreamAsync().ConfigureAwait(false);
        _partial?.Dispose();
        // A bounded wait, not a swallow: a read loop's failure reaches the owner through Completion, and the write
        // loop ends with the stream just disposed.
        await Task.WhenAny(Task.WhenAll(_readLoop, _writeLoop), Task.Delay(drainTimeout, CancellationToken.None)).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the stream now, dropping whatever is still queued, also while <see cref="CloseAsync"/> waits: a stopping
    /// node must not keep a socket open because a peer stopped reading (its TCP window shut, our queue full, the
    /// goodbye waiting behind it).
    /// </summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _disposed, 1);
        _closed.Cancel();
        if (Interlocked.Exchange(ref _streamDisposed, 1) == 0)
        {
            try
            {
                _stream.Dispose();
            }
            finally
            {
                _streamClosed.TrySetResult();
            }
        }
        _partial?.Dispose(); // idempotent, as CloseAsync may do it too
    }

    // Once, whoever comes first: a close still draining and an abort must not dispose the TLS stream concurrently.
    private async ValueTask DisposeStreamAsync()
    {
        if (Interlocked.Exchange(ref _streamDisposed, 1) == 1)
            return;
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _streamClosed.TrySetResult();
        }
    }

    public ValueTask DisposeAsync() => CloseAsync(TimeSpan.FromSeconds(1));
}
