using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// The secure protocol side of the node: TLS sessions, one per peer ID, and their lifecycle.
public sealed partial class ChatNode
{
    private readonly ConcurrentDictionary<string, SecureSession> _sessions = new();
    private readonly ConcurrentDictionary<PeerKey, SemaphoreSlim> _dialLocks = new();
    private readonly ConcurrentDictionary<string, byte> _reconnecting = new();
    private readonly ConcurrentDictionary<PeerKey, byte> _knownLegacy = new();
    private readonly ConcurrentDictionary<SecureSession, byte> _supervised = new();
    private readonly ConcurrentDictionary<string, string> _lastRefusal = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _sessionWaiters = new();

    /// <summary>True once a session with <paramref name="id"/> is live (now or within <paramref name="timeout"/>).</summary>
    private async Task<bool> NextSessionAsync(PeerId id, TimeSpan timeout)
    {
        var waiter = _sessionWaiters.GetOrAdd(id.Value, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (FindSession(id) is not null)
            return true;
        try
        {
            await waiter.Task.WaitAsync(timeout, _stopping.Token).ConfigureAwait(false);
            return FindSession(id) is not null;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    public NodeIdentity Identity { get; }

    public TrustStore Trust { get; }

    /// <summary>History, outbox and contacts.</summary>
    public ChatStore Store { get; }

    private HelloMessage OurHello => new(HelloMessage.CurrentVersion, (ushort)Port, _capabilities, _options.Name);

    /// <summary>Peer IDs with a live secure connection right now.</summary>
    public IReadOnlyCollection<PeerId> ConnectedPeerIds => _sessions.Values.Select(s => s.RemoteId).ToList();

    private async Task HandleSecureAsync(Socket socket, IPEndPoint remote, CancellationToken token)
    {
        SslStream ssl;
        PeerId id;
        try
        {
            (ssl, id) = await TlsHandshake.AcceptAsync(new NetworkStream(socket, ownsSocket: true), Identity,
                _options.HandshakeTimeout, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or TimeoutException)
        {
            Reject(remote.ToString(), $"TLS handshake failed: {e.Message}");
            return;
        }
        var session = await OpenSessionAsync(ssl, id, remote, initiator: false, token).ConfigureAwait(false);
        // When this connection lost to an existing one, that one already has its supervisor.
        if (session is { Initiator: false } && session.RemoteHello is not null && IsCurrent(session))
            await SuperviseAsync(session).ConfigureAwait(false);
    }

    /// <summary>Exchanges Hellos and registers the session; null when the peer is refused.</summary>
    private async Task<SecureSession?> OpenSessionAsync(SslStream ssl, PeerId id, IPEndPoint remote, bool initiator,
        CancellationToken token, PeerSource source = PeerSource.Incoming)
    {
        if (Trust.StateOf(id) == TrustState.Blocked)
        {
            // Nothing of a blocked peer is processed: not even its Hello.
            await ssl.DisposeAsync().ConfigureAwait(false);
            Refuse(remote.ToString(), id, "blocked");
            _lastRefusal[id.Value] = "it is blocked";
            return null;
        }
        var session = new SecureSession(ssl, id, remote, initiator, _options.MaxFrameBytes, _clock, ReceiveLimits)
        {
            OnChat = OnChatAsync,
            OnAckApplied = OnAck,
            // Heartbeats count as activity, so a quiet but connected peer is not dropped as silent.
            OnAlive = s => Peers.Touch(s.Address, s.RemoteHello!.Name, PeerProtocol.Secure, Now, countsAsMessage: false, s.RemoteId),
            OnFeatureFrame = OnFeatureFrameAsync,
        };
        try
        {
            HelloMessage hello;
            try
            {
                hello = await session.OpenAsync(OurHello, _options.HandshakeTimeout, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException or FrameFormatException or OperationCanceledException)
            {
                var reason = session.CloseReason ?? session.Fault?.Message ?? e.Message;
                session.MarkRegistered();
                await session.CloseAsync().ConfigureAwait(false);
                Refuse(remote.ToString(), id, reason);
                _lastRefusal[id.Value] = reason;
                return null;
            }

            var registered = Register(session);
            if (registered != session)
            {
                session.CloseReason = "duplicate connection";
                session.MarkRegistered(); // what it already carried is still processed (and acknowledged) before it closes
                await session.CloseAsync().ConfigureAwait(false);
                return registered;
            }

            var address = session.Address;
            _knownLegacy.TryRemove(address, out _);
            var first = Trust.RecordContact(id, hello.Name, address.ToString(), Now);
            Peers.Touch(address, hello.Name, PeerProtocol.Secure, Now, countsAsMessage: false, id, source);
            _log.LogInformation("Secure session with {PeerId} ({Address}), {Direction}", id.Short, address, initiator ? "outgoing" : "incoming");
            Raise(new SecurePeerConnected(Now, address, id, hello.Name, Trust.StateOf(id), first));
            session.MarkRegistered();
            if (_sessionWaiters.TryRemove(id.Value, out var waiting))
                waiting.TrySetResult();
            Store.MakeDue(TargetOf(id), Now);
            KickOutbox();
            _ = RequestPeersAsync(session).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
            _ = PushGroupsToAsync(session).ContinueWith(_ => { }, TaskScheduler.Default);
            if (initiator && _supervised.TryAdd(session, 0))
                Track(SuperviseAsync(session));
            return session;
        }
        finally
        {
            session.MarkRegistered(); // never leave its chats waiting
        }
    }

    /// <summary>
    /// Keeps one session per peer ID. A second connection in the same direction replaces the first (the
    /// peer reconnected); opposite directions are a simultaneous connect, where both sides keep the
    /// connection opened by the node with the smaller ID.
    /// </summary>
    private SecureSession? Register(SecureSession session)
    {
        var key = session.RemoteId.Value;
        while (true)
        {
            if (_sessions.TryAdd(key, session))
                return session;
            if (!_sessions.TryGetValue(key, out var existing))
                continue;
            var keepNew = existing.Completion.IsCompleted
                || existing.Initiator == session.Initiator
                || OpenedBySmallerId(session);
            if (!keepNew)
                return existing;
            if (_sessions.TryUpdate(key, session, existing))
            {
                existing.CloseReason = "replaced by a newer connection";
                _ = existing.CloseAsync();
                return session;
            }
        }
    }

    private bool OpenedBySmallerId(SecureSession session)
    {
        var (opener, other) = session.Initiator ? (Identity.Id, session.RemoteId) : (session.RemoteId, Identity.Id);
        return string.CompareOrdinal(opener.Value, other.Value) < 0;
    }

    private async Task SuperviseAsync(SecureSession session)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var keepAlive = session.KeepAliveAsync(_options.HeartbeatInterval, _options.DeadAfter, stop.Token);
        await session.Completion.ConfigureAwait(false);
        stop.Cancel();
        await keepAlive.ConfigureAwait(false);
        await session.CloseAsync().ConfigureAwait(false);

        var id = session.RemoteId;
        _supervised.TryRemove(session, out _);
        var wasCurrent = _sessions.TryRemove(KeyValuePair.Create(id.Value, session));
        KickOutbox();
        if (!wasCurrent)
            return;

        var reason = session.CloseReason ?? session.Fault?.Message ?? "connection closed";
        _log.LogInformation("Secure session with {PeerId} ended: {Reason}", id.Short, reason);
        Raise(new SecurePeerDisconnected(Now, session.Address, id, reason));
        if (session.ClosedByPeer)
            Peers.Remove(session.Address, PeerRemovalReason.Disconnected);
        else if (!_stopping.IsCancellationRequested && Trust.StateOf(id) != TrustState.Blocked)
            Track(ReconnectAsync(session.Address, id));
    }

    /// <summary>Reconnects with exponential backoff and jitter until it works, the peer returns by itself, or is dropped.</summary>
    private async Task ReconnectAsync(PeerKey address, PeerId id)
    {
        if (!_reconnecting.TryAdd(id.Value, 0))
            return;
        try
        {
            var delay = _options.ReconnectInitialDelay;
            while (!_stopping.IsCancellationRequested)
            {
                var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
                await Task.Delay(delay * jitter, _clock, _stopping.Token).ConfigureAwait(false);
                if (_sessions.ContainsKey(id.Value) || Peers.Find(address) is null || Trust.StateOf(id) == TrustState.Blocked)
                    return;
                var result = await DialAsync(address, id, _stopping.Token).ConfigureAwait(false);
                if (result.Session is not null)
                    return;
                _log.LogDebug("Reconnect to {PeerId} at {Address} failed: {Error}", id.Short, address, result.Error);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _reconnecting.TryRemove(id.Value, out _);
        }
    }

    /// <summary>Connects to <paramref name="address"/> over TLS, proving <paramref name="expected"/> when given.</summary>
    private async Task<DialResult> DialAsync(PeerKey address, PeerId? expected, CancellationToken token,
        PeerSource source = PeerSource.Manual)
    {
        var gate = _dialLocks.GetOrAdd(address, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (FindSession(address) is { } live)
                return DialResult.Connected(live);

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                connectTimeout.CancelAfter(_options.ConnectTimeout);
                await socket.ConnectAsync(address.Host, address.Port, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !token.IsCancellationRequested)
            {
                socket.Dispose();
                return DialResult.NoAnswer(e is SocketException s ? Describe(s) : $"no answer within {_options.ConnectTimeout.TotalSeconds:0.#} s");
            }

            SslStream ssl;
            PeerId id;
            try
            {
                (ssl, id) = await TlsHandshake.ConnectAsync(new NetworkStream(socket, ownsSocket: true), Identity, expected,
                    _options.HandshakeTimeout, token).ConfigureAwait(false);
            }
            catch (PeerIdMismatchException e)
            {
                Refuse(address.ToString(), e.Actual, e.Message);
                return DialResult.NotThePeer(e.Message);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or TimeoutException)
            {
                socket.Dispose();
                if (expected is not null)
                    return DialResult.NoAnswer($"{address} did not complete the secure handshake ({e.Message}); " +
                                               "it is a known secure peer, so no plaintext fallback");
                return DialResult.NotSecure($"{address} is not a CryptoSphere node ({e.Message})");
            }

            var remote = (IPEndPoint)socket.RemoteEndPoint!;
            var session = await OpenSessionAsync(ssl, id, remote, initiator: true, token, source).ConfigureAwait(false);
            return session is null
                ? DialResult.Failed($"peer {id.Short} at {address}: {(_lastRefusal.TryRemove(id.Value, out var why) ? why : "refused")}")
                : DialResult.Connected(session);
        }
        finally
        {
            gate.Release();
        }
    }

    private bool IsCurrent(SecureSession session) =>
        _sessions.TryGetValue(session.RemoteId.Value, out var current) && current == session && _supervised.TryAdd(session, 0);

    private SecureSession? FindSession(PeerKey address) =>
        _sessions.Values.FirstOrDefault(s => s.Address == address && !s.Completion.IsCompleted);

    private SecureSession? FindSession(PeerId id) =>
        _sessions.TryGetValue(id.Value, out var s) && !s.Completion.IsCompleted ? s : null;

    /// <summary>The ID a secure peer proved at this address before: it must prove it again.</summary>
    private PeerId? KnownSecureId(PeerKey address)
    {
        if (Peers.Find(address) is { Protocol: PeerProtocol.Secure, Id: { } id })
            return id;
        return Trust.FindByAddress(address.ToString())?.Id;
    }

    private bool IsKnownLegacy(PeerKey address) =>
        _knownLegacy.ContainsKey(address) || Peers.Find(address) is { Protocol: PeerProtocol.Legacy };

    private void Refuse(string remote, PeerId? id, string reason)
    {
        _log.LogWarning("Refused {Remote} ({PeerId}): {Reason}", remote, id?.Short ?? "?", reason);
        Raise(new PeerRefused(Now, remote, id, reason));
    }

    /// <summary>Writes any frame on the live session with a peer: for tests of hostile peers only.</summary>
    internal ValueTask SendRawFrameForTestsAsync(PeerId id, Action<System.Buffers.IBufferWriter<byte>> encode) =>
        FindSession(id) is { } session
            ? session.SendAsync(encode, static (e, w) => e(w))
            : throw new InvalidOperationException($"no session with {id.Short}");

    private async Task CloseSessionsAsync(bool sayBye)
    {
        var sessions = _sessions.Values.ToList();
        await Task.WhenAll(sessions.Select(s =>
        {
            s.CloseReason = "this node is shutting down";
            return s.CloseAsync(sayBye: sayBye);
        })).ConfigureAwait(false);
    }
}
