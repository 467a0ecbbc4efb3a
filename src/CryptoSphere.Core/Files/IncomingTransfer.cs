using System.Security.Cryptography;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using Microsoft.Win32.SafeHandles;

namespace CryptoSphere.Core.Files;

/// <summary>
/// One file this node receives. Nothing touches the disk before it is accepted; then chunks are written
/// straight from the receive buffer into a temporary file, so the file is never held in memory. A hashing
/// task follows the written offset, reading back what was written: SHA-256 (the costliest step) then runs
/// beside the connection's read loop instead of inside it, and a resume needs no re-hash before it answers.
/// At the end the SHA-256 is compared with the offer, and only a match is moved into place.
/// State changes take <see cref="Gate"/>.
/// </summary>
internal sealed class IncomingTransfer(TransferInfo info, byte[] sha256, string folder, TransferMeter meter)
{
    private const int HashBlock = 1024 * 1024;

    private SafeFileHandle? _file;
    private IncrementalHash? _hash;
    private bool _finishing;
    private long _hashed;
    private Task _hasher = Task.CompletedTask;
    private CancellationTokenSource? _hasherStop;
    private TaskCompletionSource? _written;

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

    /// <summary>Bytes written to the temporary file (the hashing task follows behind).</summary>
    public long Written { get; private set; } = info.Bytes;

    /// <summary>The offset of the last FILE_ACK sent.</summary>
    public long AckedToPeer { get; set; }

    public TransferMeter Meter { get; } = meter;

    public DateTimeOffset LastSaved { get; set; }

    public bool IsOpen
    {
        get { lock (Gate) return _file is not null; }
    }

    public TransferInfo Snapshot()
    {
        lock (Gate)
        {
            return new TransferInfo(Id, TransferDirection.Incoming, PeerId, PeerName, Name, FinalPath ?? TempPath, Size,
                Convert.ToHexStringLower(Sha256), Written, State, Created, Updated) { Error = Error };
        }
    }

    /// <summary>
    /// Opens (or creates) the temporary file: after a restart the resume point is what really is on disk,
    /// and the hashing task starts over from its first byte. Returns the offset to ask the sender to start from.
    /// </summary>
    public long Open()
    {
        lock (Gate)
        {
            if (_file is not null)
                return Written;
            Directory.CreateDirectory(Folder);
            var file = File.OpenHandle(TempPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
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
                _hashed = 0;
                Written = length;
                AckedToPeer = length;
                _hasherStop = new CancellationTokenSource();
                var stop = _hasherStop.Token;
                _hasher = Task.Run(() => HashAsync(file, stop));
                return length;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
    }

    /// <summary>Feeds the hash with what has been written, in order, until the whole file is hashed.</summary>
    private async Task HashAsync(SafeFileHandle file, CancellationToken stop)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(HashBlock);
        try
        {
            while (true)
            {
                long target;
                Task? wait = null;
                lock (Gate)
                {
                    target = Written;
                    if (_hashed >= target)
                    {
                        if (_hashed >= Size)
                            return;
                        _written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        wait = _written.Task;
                    }
                }
                if (wait is not null)
                {
                    await wait.WaitAsync(stop).ConfigureAwait(false);
                    continue;
                }
                stop.ThrowIfCancellationRequested();
                var length = (int)Math.Min(HashBlock, target - _hashed);
                var read = RandomAccess.Read(file, buffer.AsSpan(0, length), _hashed);
                if (read <= 0)
                    throw new IOException($"the partial file ended at {_hashed} bytes, expected {target}");
                _hash!.AppendData(buffer, 0, read);
                _hashed += read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Writes one chunk at its offset. Returns null when it was written, or skipped as stale (another
    /// session, a finished transfer, bytes we already hold); otherwise why the transfer must fail.
    /// </summary>
    public string? Write(SecureSession session, in FileChunkMessage chunk, out bool written)
    {
        written = false;
        lock (Gate)
        {
            if (session != Session || State != TransferState.Active || _file is null || _finishing)
                return null;
            var length = chunk.Data.Length;
            if (length == 0 || length > FileChunkMessage.MaxDataBytes)
                return $"the sender sent a chunk of {length} bytes (allowed: 1 to {FileChunkMessage.MaxDataBytes})";
            if (chunk.Offset > Written)
                return $"the sender sent a chunk at offset {chunk.Offset}, but only {Written} bytes have arrived";
            if (chunk.Offset + length > Size)
                return $"the sender sent data past the end of the file ({chunk.Offset + length} of {Size} bytes)";
            // A resend of bytes we already hold (after a resume) is harmless: skip what we have.
            var skip = Written - chunk.Offset;
            if (skip >= length)
                return null;
            foreach (var segment in chunk.Data.Slice(skip))
            {
                RandomAccess.Write(_file, segment.Span, Written);
                Written += segment.Length;
            }
            _written?.TrySetResult();
            _written = null;
            written = true;
            return null;
        }
    }

    /// <summary>True once, when FILE_DONE may be acted on (every byte is here and no check runs yet).</summary>
    public bool BeginFinish(SecureSession session, out string? error)
    {
        lock (Gate)
        {
            error = null;
            if (session != Session || State != TransferState.Active || _file is null || _finishing)
                return false;
            if (Written != Size)
            {
                error = $"the sender finished after {Written} of {Size} bytes";
                return false;
            }
            _finishing = true;
            return true;
        }
    }

    /// <summary>
    /// Waits for the hash to cover every byte, flushes to disk, checks SHA-256, and moves the file into place
    /// under a free name. On a mismatch the temporary file is deleted. Returns the status to report to the sender.
    /// </summary>
    public async Task<FileResultStatus> FinishAsync()
    {
        await _hasher.ConfigureAwait(false);
        lock (Gate)
        {
            RandomAccess.FlushToDisk(_file!);
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

    /// <summary>Closes the temporary file and keeps it (the transfer resumes later).</summary>
    public void Close()
    {
        StopHasher();
        lock (Gate)
            CloseFile();
    }

    /// <summary>Closes and deletes the temporary file (cancelled or failed: nothing to resume).</summary>
    public void Discard()
    {
        StopHasher();
        lock (Gate)
        {
            CloseFile();
            DeleteTemp();
        }
    }

    // Outside the gate: the hashing task takes it too.
    private void StopHasher()
    {
        Task hasher;
        lock (Gate)
        {
            _hasherStop?.Cancel();
            hasher = _hasher;
        }
        try
        {
            hasher.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Cancelled, or it failed reading: either way it is done.
        }
    }

    private void CloseFile()
    {
        _file?.Dispose();
        _file = null;
        _hash?.Dispose();
        _hash = null;
        _hasherStop?.Dispose();
        _hasherStop = null;
        _hasher = Task.CompletedTask;
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
