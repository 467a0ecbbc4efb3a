using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using Microsoft.Win32.SafeHandles;

namespace CryptoSphere.Core.Files;

/// <summary>
/// One file this node receives. Nothing touches the disk before it is accepted. Then the connection's read
/// loop only checks each chunk and copies it into a pooled buffer; a writer task of this transfer writes the
/// buffers to a temporary file and feeds SHA-256 from them. Decryption and the disk plus hashing work thus
/// run side by side, a bounded queue (<see cref="QueueChunks"/> chunks) keeps memory flat, and the file is
/// never held in memory. At the end the SHA-256 is compared with the offer, and only a match is moved into
/// place. State changes take <see cref="Gate"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The file, hash and stop source live from Open to CloseFile, which every ending (done, failed, cancelled) runs.")]
internal sealed class IncomingTransfer(TransferInfo info, byte[] sha256, string folder, TransferMeter meter)
{
    /// <summary>Chunks accepted from the network and not yet written: 1 MiB at 64 KiB a chunk.</summary>
    public const int QueueChunks = 16;

    private const int HashBlock = 1024 * 1024;

    private SafeFileHandle? _file;
    private IncrementalHash? _hash;
    private Channel<(byte[] Buffer, int Length)>? _queue;
    private CancellationTokenSource? _stop;
    private Task _writer = Task.CompletedTask;
    private long _received = info.Bytes;
    private long _written = info.Bytes;
    private bool _finishing;

    public object Gate { get; } = new();

    public Guid Id { get; } = info.Id;
    public PeerId PeerId { get; } = info.PeerId;
    public string PeerName { get; set; } = info.PeerName;

    /// <summary>The sanitized name it will get in the downloads folder (plus a suffix if taken).</summary>
    public string Name { get; } = info.Name;
    public long Size { get; } = info.Size;
    public byte[] Sha256 { get; } = sha256;
    public string Folder { get; } = folder;
    public string TempPath { get; } = DownloadFolder.TempPath(folder, info.Id);
    public string? FinalPath { get; private set; }
    public DateTimeOffset Created { get; } = info.Created;
    public TransferState State { get; set; } = info.State;
    public string? Error { get; set; } = info.Error;
    public DateTimeOffset Updated { get; set; } = info.Updated;

    /// <summary>The session chunks are expected on: the one the latest FILE_ACCEPT went out on.</summary>
    public SecureSession? Session { get; set; }

    /// <summary>Bytes written to the temporary file (and hashed, except a resumed prefix still being re-hashed).</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>The offset of the last FILE_ACK sent.</summary>
    public long AckedToPeer { get; set; }

    public TransferMeter Meter { get; } = meter;

    public DateTimeOffset LastSaved { get; set; }

    public TransferInfo Snapshot()
    {
        lock (Gate)
        {
            return new TransferInfo(Id, TransferDirection.Incoming, PeerId, PeerName, Name, FinalPath ?? TempPath, Size,
                Convert.ToHexStringLower(Sha256), Written, State, Created, Updated) { Error = Error };
        }
    }

    /// <summary>
    /// Opens (or creates) the temporary file and starts the writer, which first hashes what the file already
    /// holds: after a restart the resume point is what really is on disk, and the answer need not wait for
    /// the re-hash. In the same process the resume point also counts chunks still queued. Returns the offset
    /// to ask the sender to start from. <paramref name="onWritten"/> runs on the writer after each chunk.
    /// </summary>
    public long Open(Func<IncomingTransfer, long, ValueTask> onWritten)
    {
        lock (Gate)
        {
            if (_file is not null)
                return _received;
            Storage.OwnerOnly.CreateFolder(Folder);
            var file = PartFile.Open(TempPath);
            try
            {
                var length = RandomAccess.GetLength(file);
                if (length > Size)
                {
                    // Longer than the offer: not ours to trust. Start again.
                    RandomAccess.SetLength(file, 0);
                    length = 0;
                }
                _file = file;
                _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                _queue = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(QueueChunks)
                {
                    SingleReader = true,
                    SingleWriter = true,
                    FullMode = BoundedChannelFullMode.Wait,
                });
                _stop = new CancellationTokenSource();
                _received = length;
                _written = length;
                AckedToPeer = length;
                var (queue, hash, stop) = (_queue, _hash, _stop.Token);
                _writer = Task.Run(() => WriteAsync(file, hash, length, queue.Reader, onWritten, stop));
                return length;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
    }

    /// <summary>The writer: re-hashes a resumed prefix, then writes and hashes queued chunks in order.</summary>
    private async Task WriteAsync(SafeFileHandle file, IncrementalHash hash, long prefix, ChannelReader<(byte[] Buffer, int Length)> queue,
        Func<IncomingTransfer, long, ValueTask> onWritten, CancellationToken stop)
    {
        if (prefix > 0)
        {
            var block = ArrayPool<byte>.Shared.Rent(HashBlock);
            try
            {
                for (long offset = 0; offset < prefix;)
                {
                    stop.ThrowIfCancellationRequested();
                    var read = RandomAccess.Read(file, block.AsSpan(0, (int)Math.Min(HashBlock, prefix - offset)), offset);
                    if (read <= 0)
                        throw new IOException($"the partial file ended at {offset} bytes, expected {prefix}");
                    hash.AppendData(block, 0, read);
                    offset += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }
        var position = prefix;
        await foreach (var (buffer, length) in queue.ReadAllAsync(stop).ConfigureAwait(false))
        {
            try
            {
                RandomAccess.Write(file, buffer.AsSpan(0, length), position);
                hash.AppendData(buffer, 0, length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            position += length;
            Interlocked.Exchange(ref _written, position);
            await onWritten(this, position).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks one chunk and queues its new bytes for the writer (waiting while the queue is full, which is
    /// the backpressure towards the sender). Returns null when it was queued, or skipped as stale (another
    /// session, a finished transfer, bytes already held); otherwise why the transfer must fail.
    /// </summary>
    public async ValueTask<TransferFailure?> WriteAsync(SecureSession session, FileChunkMessage chunk)
    {
        byte[] buffer;
        int length;
        ChannelWriter<(byte[], int)> queue;
        lock (Gate)
        {
            if (session != Session || State != TransferState.Active || _queue is null || _finishing)
                return null;
            if (_writer.IsFaulted)
                return TransferFailure.ReceiverCannotWrite("the receiver could not write the file", _writer.Exception!.InnerException!);
            var size = chunk.Data.Length;
            if (size == 0 || size > FileChunkMessage.MaxDataBytes)
                return $"the sender sent a chunk of {size} bytes (allowed: 1 to {FileChunkMessage.MaxDataBytes})";
            if (chunk.Offset > _received)
                return $"the sender sent a chunk at offset {chunk.Offset}, but only {_received} bytes have arrived";
            if (chunk.Offset + size > Size)
                return $"the sender sent data past the end of the file ({chunk.Offset + size} of {Size} bytes)";
            // A resend of bytes we already hold (after a resume) is harmless: skip what we have.
            var skip = _received - chunk.Offset;
            if (skip >= size)
                return null;
            length = (int)(size - skip);
            buffer = ArrayPool<byte>.Shared.Rent(length);
            chunk.Data.Slice(skip).CopyTo(buffer);
            _received += length;
            queue = _queue.Writer;
        }
        try
        {
            await queue.WriteAsync((buffer, length)).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ArrayPool<byte>.Shared.Return(buffer); // closed meanwhile (cancelled, node stopping)
        }
        return null;
    }

    /// <summary>True once, when FILE_DONE may be acted on (every byte is here and no check runs yet).</summary>
    public bool BeginFinish(SecureSession session, out string? error)
    {
        lock (Gate)
        {
            error = null;
            if (session != Session || State != TransferState.Active || _queue is null || _finishing)
                return false;
            if (_received != Size)
            {
                error = $"the sender finished after {_received} of {Size} bytes";
                return false;
            }
            _finishing = true;
            _queue.Writer.TryComplete();
            return true;
        }
    }

    /// <summary>
    /// Waits for the writer to write and hash every byte, flushes to disk, checks SHA-256, and moves the file
    /// into place under a free name. On a mismatch the temporary file is deleted. Returns the status to report.
    /// </summary>
    public async Task<FileResultStatus> FinishAsync()
    {
        await _writer.ConfigureAwait(false);
        lock (Gate)
        {
            if (_file is null)
                throw new IOException("the transfer was closed before its check");
            RandomAccess.FlushToDisk(_file);
            var actual = _hash!.GetHashAndReset();
            CloseFile();
            if (!CryptographicOperations.FixedTimeEquals(actual, Sha256))
            {
                DeleteTemp();
                return FileResultStatus.HashMismatch;
            }
            FinalPath = DownloadFolder.MoveIntoPlace(TempPath, Folder, Name);
            return FileResultStatus.Ok;
        }
    }

    /// <summary>Stops the writer and closes the temporary file, keeping it (the transfer resumes later).</summary>
    public void Close()
    {
        StopWriter();
        lock (Gate)
            CloseFile();
    }

    /// <summary>Stops the writer, closes and deletes the temporary file (cancelled or failed: nothing to resume).</summary>
    public void Discard()
    {
        StopWriter();
        lock (Gate)
        {
            CloseFile();
            DeleteTemp();
        }
    }

    // Outside the gate: the writer's callback may take it.
    private void StopWriter()
    {
        Task writer;
        lock (Gate)
        {
            _queue?.Writer.TryComplete();
            _stop?.Cancel();
            writer = _writer;
        }
        try
        {
            writer.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Cancelled, or it failed writing: either way it is done.
        }
    }

    private void CloseFile()
    {
        while (_queue is not null && _queue.Reader.TryRead(out var left))
            ArrayPool<byte>.Shared.Return(left.Buffer);
        _queue = null;
        _file?.Dispose();
        _file = null;
        _hash?.Dispose();
        _hash = null;
        _stop?.Dispose();
        _stop = null;
        _writer = Task.CompletedTask;
        _finishing = false;
    }

    private void DeleteTemp()
    {
        try
        {
            File.Delete(TempPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
