using System.Buffers;
using System.Net;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Secure;

/// <summary>
/// One authenticated connection to one peer: the session-level frames (HELLO, PING/PONG, BYE, ERROR) and,
/// in order, every other frame handed to <see cref="OnFrame"/>. What a chat or a file chunk means is not its business.
/// </summary>
internal sealed class SecureSession : IAsyncDisposable
{
    /// <summary>How long a goodbye may take to be queued, and what is queued to be written, before the close.</summary>
    public static readonly TimeSpan GoodbyeWait = TimeSpan.FromSeconds(1);

    private readonly FrameConnection _connection;
    private readonly TimeProvider _clock;
    private readonly TaskCompletionSource<HelloMessage> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastReceivedTicks;
    // The last frame the peer sent of its own accord (anything but the PONG to one of our PINGs).
    private long _lastUnpromptedTicks;
    // Written once: Address is read for every live session when another peer connects, and must not allocate.
    private readonly string _host;

    public SecureSession(Stream stream, PeerId remoteId, IPEndPoint remote, bool initiator, int maxFrameBytes, TimeProvider clock,
        Limits.ReceiveLimits? limits = null)
    {
        limits ??= Limits.ReceiveLimits.Default;
        _connection = new FrameConnection(stream, maxFrameBytes, limits.ForAddress(remote.Address));
        Unstored = limits.ForPeer();
        PendingAcks = limits.AckSlotsForPeer();
        WaitLimit = limits.WaitLimit;
        _clock = clock;
        RemoteId = remoteId;
        Remote = remote;
        _host = PeerKey.HostOf(remote.Address);
        Initiator = initiator;
        _lastReceivedTicks = clock.GetUtcNow().UtcTicks;
    }

    public PeerId RemoteId { get; }

    /// <summary>
    /// Messages read from this peer and not yet committed, counted and in bytes. When it is full, reading from this
    /// peer waits (TCP pushes back on a flooding sender) while other peers' messages keep their turn at the store.
    /// </summary>
    public Limits.UnstoredBudget Unstored { get; }

    /// <summary>
    /// Acknowledgements read from this peer and not yet applied; whoever applies one releases its slot. When none
    /// is free, reading waits, so an ACK flood costs the node a fixed amount of memory per connection.
    /// </summary>
    public Limits.AckSlots PendingAcks { get; }

    /// <summary>Longest reading waits for room in a budget before the connection is given up (the store is stuck).</summary>
    public TimeSpan WaitLimit { get; }

    public IPEndPoint Remote { get; }

    /// <summary>True when this node opened the connection.</summary>
    public bool Initiator { get; }

    public HelloMessage? RemoteHello { get; private set; }

    /// <summary>
    /// The peer's listening address: for a relayed session its relayed key; otherwise the connection's IP and the port
    /// from its Hello, unless that claim was refused (another known ID owns that address), then the connection's endpoint.
    /// </summary>
    public PeerKey Address => RelayedAddress ?? (_claimRefused ? new(_host, Remote.Port) : ClaimedAddress);

    /// <summary>Set for a session through a relay: the connection's IP is the relay's, so the peer gets a key of its own.</summary>
    public PeerKey? RelayedAddress { get; init; }

    /// <summary>The address its Hello claims: the connection's IP and the port it says it listens on. Unproven.</summary>
    public PeerKey ClaimedAddress => new(_host, RemoteHello?.ListenPort ?? Remote.Port);

    private volatile bool _claimRefused;

    /// <summary>The claimed address belongs to another peer: this session is filed under its TCP endpoint instead.</summary>
    public void RefuseClaimedAddress() => _claimRefused = true;

    /// <summary>Set when the other side sent ERROR or BYE, or we closed it on purpose.</summary>
    public string? CloseReason { get; set; }

    public bool ClosedByPeer { get; private set; }

    public Task Completion => _connection.Completion;

    public Exception? Fault => _connection.Fault;

    public Action<SecureSession>? OnAlive { get; init; }

    /// <summary>Every frame above the session level (chat, acks, files, groups, peer exchange), in the order read.</summary>
    public Func<SecureSession, FrameType, ReadOnlySequence<byte>, ValueTask>? OnFrame { get; init; }

    public DateTimeOffset LastReceived => new(Interlocked.Read(ref _lastReceivedTicks), TimeSpan.Zero);

    /// <summary>Starts reading, sends our Hello and waits for theirs.</summary>
    public async Task<HelloMessage> OpenAsync(HelloMessage ours, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _connection.Start(OnFrameAsync);
        await _connection.SendAsync(ours, static (h, w) => h.Encode(w)).ConfigureAwait(false);
        try
        {
            await Task.WhenAny(_hello.Task, _connection.Completion).WaitAsync(timeout, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The bare "The operation has timed out." would be the reason the user sees.
            CloseReason = $"no HELLO within {timeout.TotalSeconds:0.#} s";
            throw new TimeoutException(CloseReason);
        }
        // Not "which finished first": a peer that says hello and closes at once (it kept another connection
        // of ours) ends the read loop before the hello's asynchronous continuation runs. Hello it did say.
        if (!_hello.Task.IsCompleted)
            throw new IOException(CloseReason ?? Fault?.Message ?? "the peer closed the connection before saying hello (it may have blocked this node)");
        return await _hello.Task.ConfigureAwait(false);
    }

    private ValueTask OnFrameAsync(FrameType type, ReadOnlySequence<byte> body)
    {
        var now = _clock.GetUtcNow().UtcTicks;
        Interlocked.Exchange(ref _lastReceivedTicks, now);
        if (type != FrameType.Pong)
            Interlocked.Exchange(ref _lastUnpromptedTicks, now);
        if (RemoteHello is null)
            return OnFirstFrameAsync(type, body);
        switch (type)
        {
            case FrameType.Ping:
                OnAlive?.Invoke(this);
                return _connection.SendAsync(PingMessage.Decode(body), static (p, w) => p.Encode(w, FrameType.Pong));
            case FrameType.Pong:
                OnAlive?.Invoke(this);
                return ValueTask.CompletedTask;
            case FrameType.Bye:
                ClosedByPeer = true;
                CloseReason = "the peer said goodbye";
                return ValueTask.CompletedTask;
            case FrameType.Error:
                ClosedByPeer = true;
                CloseReason = "the peer refused: " + ErrorMessage.Decode(body).Reason;
                return ValueTask.CompletedTask;
            case FrameType.Hello:
                throw new FrameFormatException("a second HELLO");
            default:
                return OnFrame?.Invoke(this, type, body) ?? ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// The node has registered this session (or given up on it). Chats that arrive before wait for it, so a
    /// message is never shown while the node does not know its connection yet: a reply would open another one.
    /// </summary>
    public void MarkRegistered() => _registered.TrySetResult();

    /// <summary>Completes when <see cref="MarkRegistered"/> was called.</summary>
    public Task Registered => _registered.Task;

    private async ValueTask OnFirstFrameAsync(FrameType type, ReadOnlySequence<byte> body)
    {
        if (type == FrameType.Error)
        {
            var error = ErrorMessage.Decode(body);
            CloseReason = "the peer refused: " + error.Reason;
            ClosedByPeer = true;
            throw new IOException(CloseReason);
        }
        if (type != FrameType.Hello)
            throw new FrameFormatException($"expected HELLO first, got frame type 0x{(byte)type:x2}");
        var hello = HelloMessage.Decode(body);
        if (hello.Version != HelloMessage.CurrentVersion)
        {
            CloseReason = $"unsupported protocol version {hello.Version} (this node speaks {HelloMessage.CurrentVersion})";
            await SendAsync(new ErrorMessage(ErrorCode.UnsupportedVersion, CloseReason), static (m, w) => m.Encode(w))
                .ConfigureAwait(false);
            throw new FrameFormatException(CloseReason);
        }
        RemoteHello = hello;
        _hello.TrySetResult(hello);
    }

    /// <summary>Writes to the stream so far, lone and batched (tests read it).</summary>
    internal long WritesForTests => _connection.LoneWrites + _connection.LoopWrites;

    public ValueTask SendAsync<TState>(TState state, Action<TState, IBufferWriter<byte>> encode) =>
        _connection.SendAsync(state, encode);

    /// <summary>
    /// Pings every <paramref name="interval"/> unless the peer itself sent something (its own PING, a message) within
    /// it; closes the session when nothing arrived for <paramref name="deadAfter"/>. Two nodes both ping on a timer,
    /// so without the skip an idle session carried four frames per interval, where two keep both sides sure of each
    /// other: the side whose timer comes second finds the other's PING and stays quiet. A peer that only answers (an
    /// old build, a test double) is still pinged every interval.
    /// </summary>
    public async Task KeepAliveAsync(TimeSpan interval, TimeSpan deadAfter, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _clock);
        using var stop = timer.StopOn(cancellationToken);
        ulong token = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false) && !Completion.IsCompleted)
            {
                var now = _clock.GetUtcNow();
                if (now - LastReceived > deadAfter)
                {
                    CloseReason = $"no answer for {deadAfter.TotalSeconds:0.#} s";
                    await CloseAsync().ConfigureAwait(false);
                    return;
                }
                if (now.UtcTicks - Interlocked.Read(ref _lastUnpromptedTicks) < interval.Ticks)
                    continue;
                await _connection.SendAsync(new PingMessage(++token), static (p, w) => p.Encode(w, FrameType.Ping))
                    .ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>
    /// Says goodbye (BYE, or ERROR with a reason) and closes. The goodbye gets <see cref="GoodbyeWait"/> to be queued;
    /// the close follows whether it was or not, and drops it.
    /// </summary>
    public async Task CloseAsync(ErrorMessage? error = null, bool sayBye = false)
    {
        var goodbye = error is not null ? SendAsync(error, static (m, w) => m.Encode(w)).AsTask()
            : sayBye ? SendAsync(0, static (_, w) => FrameCodec.Write(w, FrameType.Bye, 0, 0, static (_, _) => { })).AsTask()
            : Task.CompletedTask;
        // Queueing waits for the write lock, which a sender holds while the peer does not read (our queue full):
        // awaited without a limit, such a goodbye kept a stopped node's connection open for as long as the peer lived.
        if (!goodbye.IsCompleted)
            await Task.WhenAny(goodbye, Task.Delay(GoodbyeWait, CancellationToken.None)).ConfigureAwait(false);
        await _connection.CloseAsync(GoodbyeWait).ConfigureAwait(false);
        try
        {
            await goodbye.ConfigureAwait(false); // the close cancelled it if it was still waiting
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Closes the connection at once, without a goodbye and dropping what is queued (see <see cref="FrameConnection.Abort"/>).</summary>
    public void Abort() => _connection.Abort();

    /// <summary>Completes once the connection's stream, and with it its socket, is disposed.</summary>
    public Task Closed => _connection.Closed;

    /// <summary>Closes without a goodbye (<see cref="CloseAsync"/> says one).</summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
