using System.Buffers;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Files;

/// <summary>
/// One file this node sends: its state, and the pump that reads it a chunk at a time and writes FILE_CHUNK
/// frames while the peer's send window has room. A run of the pump belongs to one session; a resume on a
/// new session starts a new run from the offset the receiver asks for. State changes happen under <see cref="Gate"/>.
/// </summary>
internal sealed class OutgoingTransfer(TransferInfo info, byte[] sha256, TransferMeter meter)
{
    private long _bytesSent;
    private Run? _run;

    public object Gate { get; } = new();

    public Guid Id { get; } = info.Id;
    public PeerId PeerId { get; } = info.PeerId;
    public string PeerName { get; set; } = info.PeerName;
    public string Name { get; } = info.Name;
    public string Path { get; } = info.Path;
    public long Size { get; } = info.Size;
    public byte[] Sha256 { get; } = sha256;
    public long? SourceWriteTime { get; } = info.SourceWriteTime;
    public DateTimeOffset Created { get; } = info.Created;
    public TransferState State { get; set; } = info.State;
    public string? Error { get; set; } = info.Error;
    public DateTimeOffset Updated { get; set; } = info.Updated;

    /// <summary>Bytes the receiver has confirmed written and hashed.</summary>
    public long Acked { get; set; } = info.Bytes;

    /// <summary>Bytes this process has put on the wire for this transfer, over all runs.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>The session the latest FILE_OFFER went out on: a new session gets the offer again.</summary>
    public SecureSession? OfferedOn { get; set; }

    public TransferMeter Meter { get; } = meter;

    public DateTimeOffset LastSaved { get; set; }

    public TransferInfo Snapshot() => new(Id, TransferDirection.Outgoing, PeerId, PeerName, Name, Path, Size,
        Convert.ToHexStringLower(Sha256), Acked, State, Created, Updated)
    {
        Error = Error,
        SourceWriteTime = SourceWriteTime,
    };

    public FileOfferMessage Offer() => new(Id, Size, Sha256, Name);

    /// <summary>Whether a run is already sending on <paramref name="session"/> (a repeated FILE_ACCEPT is then ignored).</summary>
    public bool IsRunningOn(SecureSession session)
    {
        lock (Gate)
            return _run is { } run && run.Session == session && !run.Cancel.IsCancellationRequested;
    }

    /// <summary>Starts a new run from <paramref name="offset"/>; a run on an older session is stopped.</summary>
    public Run BeginRun(SecureSession session, long offset, SendWindow window, CancellationToken stopping)
    {
        lock (Gate)
        {
            EndRun();
            Acked = Math.Max(Acked, offset);
            _run = new Run(session, offset, window, CancellationTokenSource.CreateLinkedTokenSource(stopping));
            return _run;
        }
    }

    public bool IsCurrent(Run run)
    {
        lock (Gate)
            return _run == run;
    }

    /// <summary>Stops the current run (if any) and gives its unacknowledged bytes back to the window.</summary>
    public Run? EndRun()
    {
        lock (Gate)
        {
            var run = _run;
            if (run is null)
                return null;
            _run = null;
            run.Cancel.Cancel();
            run.Window.Release(run.Held);
            run.Held = 0;
            return run;
        }
    }

    /// <summary>The receiver confirmed bytes up to <paramref name="offset"/>; true when that is news.</summary>
    public bool OnAck(SecureSession session, long offset)
    {
        lock (Gate)
        {
            if (_run is not { } run || run.Session != session || offset <= run.Acked || offset > run.Next)
                return false;
            var freed = Math.Min(offset - run.Acked, run.Held);
            run.Held -= freed;
            run.Window.Release(freed);
            run.Acked = offset;
            Acked = Math.Max(Acked, offset);
            return true;
        }
    }

    /// <summary>
    /// Sends from the run's offset to the end, then FILE_DONE. The file is read a chunk at a time into one
    /// pooled buffer; the window bounds what is queued but unacknowledged, so memory stays flat for any size.
    /// </summary>
    public async Task<PumpOutcome> PumpAsync(Run run, int chunkBytes)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle file;
        try
        {
            file = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return PumpOutcome.Failed(TransferFailure.SenderCannotRead(Path, e));
        }
        var buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
        try
        {
            using (file)
            {
                if (RandomAccess.GetLength(file) != Size)
                    return PumpOutcome.Failed(new TransferFailure($"{Path} changed size since it was offered", "the file changed size since it was offered"));
                var token = run.Cancel.Token;
                while (true)
                {
                    long next;
                    lock (Gate)
                        next = run.Next;
                    if (next >= Size)
                        break;
                    var length = (int)Math.Min(chunkBytes, Size - next);
                    await run.Window.AcquireAsync(length, run.Session.Completion, token).ConfigureAwait(false);
                    lock (Gate)
                    {
                        if (_run != run)
                        {
                            run.Window.Release(length);
                            return PumpOutcome.Stopped;
                        }
                        run.Held += length;
                    }
                    int read;
                    try
                    {
                        read = RandomAccess.Read(file, buffer.AsSpan(0, length), next);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        return PumpOutcome.Failed(TransferFailure.SenderCannotRead(Path, e));
                    }
                    if (read != length)
                        return PumpOutcome.Failed(new TransferFailure($"{Path} got shorter while it was being sent", "the file got shorter while it was being sent"));
                    // Advanced before the send: the receiver's ack for this chunk may beat the send's return.
                    lock (Gate)
                        run.Next = next + length;
                    await run.Session.SendAsync((Id, next, buffer, length),
                        static (s, w) => FileChunkMessage.Encode(w, s.Id, s.next, s.buffer.AsMemory(0, s.length))).ConfigureAwait(false);
                    Interlocked.Add(ref _bytesSent, length);
                    token.ThrowIfCancellationRequested();
                }
                await run.Session.SendAsync(new FileDoneMessage(Id, Size), static (m, w) => m.Encode(w)).ConfigureAwait(false);
                return PumpOutcome.Sent;
            }
        }
        catch (OperationCanceledException)
        {
            return PumpOutcome.Stopped;
        }
        catch (IOException e)
        {
            return PumpOutcome.Interrupted(e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One pass of the pump over one session.</summary>
    internal sealed class Run(SecureSession session, long offset, SendWindow window, CancellationTokenSource cancel)
    {
        public SecureSession Session { get; } = session;
        public SendWindow Window { get; } = window;
        public CancellationTokenSource Cancel { get; } = cancel;
        public long Next { get; set; } = offset;
        public long Acked { get; set; } = offset;

        /// <summary>Bytes taken from the window and not yet given back.</summary>
        public long Held { get; set; }
    }
}

/// <summary>How a run of the pump ended; a failure says what the receiver is told apart from what the user sees.</summary>
internal readonly record struct PumpOutcome(PumpOutcomeKind Kind, string? Reason, TransferFailure? Failure = null)
{
    public static readonly PumpOutcome Sent = new(PumpOutcomeKind.Sent, null);
    public static readonly PumpOutcome Stopped = new(PumpOutcomeKind.Stopped, null);
    public static PumpOutcome Interrupted(string reason) => new(PumpOutcomeKind.Interrupted, reason);
    public static PumpOutcome Failed(TransferFailure failure) => new(PumpOutcomeKind.Failed, failure.Local, failure);
}

internal enum PumpOutcomeKind
{
    /// <summary>Every byte and FILE_DONE went out; the receiver's FILE_RESULT decides.</summary>
    Sent,

    /// <summary>Cancelled, replaced by a newer run, or the node stopped.</summary>
    Stopped,

    /// <summary>The connection closed: resumes when the peer is back.</summary>
    Interrupted,

    /// <summary>The file cannot be read as offered: the transfer fails.</summary>
    Failed,
}
