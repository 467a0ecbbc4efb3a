using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// The live secure sessions, one per peer ID: opening them (accepted here, dialled by <see cref="SessionDialer"/>),
/// keeping them alive, and telling the features through <see cref="Opened"/> and <see cref="Closed"/> (never
/// through the UI event).
/// </summary>
internal sealed partial class SessionRegistry
{
    private readonly NodeRuntime _node;
    private readonly FrameRouter _router;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, SecureSession> _sessions = new();
    private readonly ConcurrentDictionary<PeerKey, byte> _knownLegacy = new();
    private readonly ConcurrentDictionary<SecureSession, byte> _supervised = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _sessionWaiters = new();
    // The session last found at an address: a script sending to HOST:PORT asks once per message, and scanning every
    // session (allocating an enumerator) cost O(sessions) each time. Checked on every use, never trusted.
    private readonly ConcurrentDictionary<PeerKey, SecureSession> _lastFoundAt = new();

    public SessionRegistry(NodeRuntime node, FrameRouter router)
    {
        _node = node;
        _router = router;
        _log = node.Logger<SessionRegistry>();
    }

    /// <summary>A session became the peer's current one (after its Hello, before any of its frames is handled).</summary>
    public event Action<SecureSession>? Opened;

    /// <summary>Any session ended, current or not.</summary>
    public event Action<SecureSession>? Ended;

    /// <summary>The peer's current session ended, with the reason.</summary>
    public event Action<SecureSession, string>? Closed;

    private NodeOptions Options => _node.Options;

    private HelloMessage OurHello => new(HelloMessage.CurrentVersion, (ushort)_node.Port, _router.Capabilities, Options.Name);

    /// <summary>Peer IDs with a live secure connection right now.</summary>
    public IReadOnlyCollection<PeerId> ConnectedPeerIds => _sessions.Values.Select(s => s.RemoteId).ToList();

    /// <summary>Every registered session (some may be closing).</summary>
    public IEnumerable<SecureSession> All => _sessions.Values;

    /// <summary>True once a session with <paramref name="id"/> is live (now or within <paramref name="timeout"/>).</summary>
    public async Task<bool> NextSessionAsync(PeerId id, TimeSpan timeout)
    {
        var waiter = _sessionWaiters.GetOrAdd(id.Value, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (Find(id) is not null)
            return true;
        try
        {
            await waiter.Task.WaitAsync(timeout, _node.Stopping).ConfigureAwait(false);
            return Find(id) is not null;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>An incoming connection whose first byte is a TLS record.</summary>
    public async Task AcceptAsync(Socket socket, IPEndPoint remote, CancellationToken token)
    {
        SslStream ssl;
        PeerId id;
        try
        {
            using (_live.BeginHandshake(socket))
            {
                (ssl, id) = await TlsHandshake.AcceptAsync(new NetworkStream(socket, ownsSocket: true), _node.Identity,
                    Options.HandshakeTimeout, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is AuthenticationException or IOException or TimeoutException or ObjectDisposedException)
        {
            // Not the peer's doing when the stop closed the socket under the handshake.
            if (!_live.IsStopping)
                _node.Reject(remote.ToString(), $"TLS handshake failed: {e.Message}");
            return;
        }
        await AcceptSecuredAsync(ssl, id, remote, null, token).ConfigureAwait(false);
    }

    /// <summary>
    /// An incoming connection whose handshake is done (directly, or through a relay session with
    /// <paramref name="relayed"/> as the peer's key): Hellos, registration, supervision.
    /// </summary>
    public async Task AcceptSecuredAsync(SslStream ssl, PeerId id, IPEndPoint remote, PeerKey? relayed, CancellationToken token)
    {
        var (session, _) = await OpenAsync(ssl, id, remote, initiator: false, token, relayed: relayed).ConfigureAwait(false);
        // When this connection lost to an existing one, that one already has its supervisor.
        if (session is { Initiator: false } && session.RemoteHello is not null && IsCurrent(session))
            await SuperviseAsync(session).ConfigureAwait(false);
    }

    /// <summary>
    /// Exchanges Hellos and registers the session (or returns the live one it lost to); no session and the reason
    /// when the peer is refused.
    /// </summary>
    public async Task<(SecureSession? Session, string? Refusal)> OpenAsync(SslStream ssl, PeerId id, IPEndPoint remote, bool initiator,
        CancellationToken token, PeerSource source = PeerSource.Incoming, PeerKey? relayed = null)
    {
        if (_node.Trust.StateOf(id) == TrustState.Blocked)
        {
            // Nothing of a blocked peer is processed: not even its Hello.
            await ssl.DisposeAsync().ConfigureAwait(false);
            _node.Refuse(remote.ToString(), id, "blocked");
            return (null, "it is blocked");
        }
        // Read now: once registered, a simultaneous connection can replace this one and dispose the stream.
        var device = DeviceIdOf(ssl);
        var session = new SecureSession(ssl, id, remote, initiator, Options.MaxFrameBytes, _node.Clock, _node.ReceiveLimits)
        {
            RelayedAddress = relayed,
            // Heartbeats count as activity, so a quiet but connected peer is not dropped as silent.
            OnAlive = s => _node.Peers.Touch(s.Address, s.RemoteHello!.Name, PeerProtocol.Secure, _node.Now, countsAsMessage: false, s.RemoteId),
            OnFrame = _router.RouteAsync,
        };
        try
        {
            HelloMessage hello;
            try
            {
                if (!_live.Add(session))
                    throw new OperationCanceledException(ShuttingDown);
                hello = await session.OpenAsync(OurHello, Options.HandshakeTimeout, token).ConfigureAwait(false);
                if (HelloReceivedForTests is { } hook)
                    await hook(session).ConfigureAwait(false);
                // Checked again after the Hellos: the stop may have begun meanwhile, and a session registered after it
                // had closed the others stayed open (it is closed with them now, or refused here).
                if (_live.IsStopping)
                    throw new OperationCanceledException(ShuttingDown);
            }
            catch (Exception e) when (e is IOException or TimeoutException or FrameFormatException or OperationCanceledException)
            {
                // No reason of this node's or a fault it found: the peer ended the connection before its HELLO.
                var closedByPeer = e is IOException && session.CloseReason is null && session.Fault is null;
                var reason = session.CloseReason ?? session.Fault?.Message ?? e.Message;
                session.MarkRegistered();
                await session.CloseAsync().ConfigureAwait(false);
                _node.Refuse(remote.ToString(), id, reason, closedByPeer);
                return (null, reason);
            }

            var registered = Register(session);
            if (registered != session)
            {
                session.CloseReason = "duplicate connection";
                session.MarkRegistered(); // what it already carried is still processed (and acknowledged) before it closes
                await session.CloseAsync().ConfigureAwait(false);
                return (registered, null);
            }

            // An incoming session's address is only claimed (HELLO's listen port). A claim on an address bound to
            // another ID (a trusted contact's, or a live session's) is not honoured: messages for that address must
            // never reach this key. The session is filed under its TCP endpoint instead.
            var claimed = session.ClaimedAddress;
            // A one-off command of the peer's (a send with no node running) listens nowhere: its Hello says port 0. Filed
            // under its TCP endpoint, and the address known for it is kept: "HOST:0" replaced it, and messages to the peer
            // stayed queued after its node was back (found from outside).
            var listensNowhere = !initiator && relayed is null && hello.ListenPort == 0;
            if (listensNowhere)
                session.RefuseClaimedAddress();
            else if (!initiator && OwnerOf(claimed, id) is { } owner)
            {
                session.RefuseClaimedAddress();
                _node.Reject(claimed.ToString(), $"{id.Short} claims {claimed}, the address of {owner.Short}; filed under {session.Address} instead");
            }
            var address = session.Address;
            _knownLegacy.TryRemove(address, out _);
            // A relayed key is only the contact's address while no direct one is known: that one is worth redialling.
            var recorded = listensNowhere ? null : relayed is null || _node.Trust.Find(id)?.LastAddress is null ? address.ToString() : null;
            var first = _node.Trust.RecordContact(id, hello.Name, recorded, _node.Now);
            RecordDeviceId(device, id);
            _node.Peers.Touch(address, hello.Name, PeerProtocol.Secure, _node.Now, countsAsMessage: false, id, source);
            SessionLog.Opened(_log, id.Short, address, initiator ? "outgoing" : "incoming");
            var lookalike = first ? Lookalike.Of(_node.Trust, id, hello.Name, claimed.ToString()) : null;
            if (lookalike is not null)
                SessionLog.Lookalike(_log, id.Short, lookalike.Id.Short);
            _node.Publish(new SecurePeerConnected(_node.Now, address, id, hello.Name, _node.Trust.StateOf(id), first) { LookalikeOf = lookalike?.Id, Source = source });
            session.MarkRegistered();
            if (_sessionWaiters.TryRemove(id.Value, out var waiting))
                waiting.TrySetResult();
            Opened?.Invoke(session);
            if (initiator && _supervised.TryAdd(session, 0))
                _node.Work.Track(SuperviseAsync(session));
            return (session, null);
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
            // A direct connection beats a relayed one whoever opened it (both sides decide the same), so a peer
            // reached through a relay moves to a direct connection as soon as one is made, and never back.
            var (existingRelayed, newRelayed) = (existing.RelayedAddress is not null, session.RelayedAddress is not null);
            var keepNew = existing.Completion.IsCompleted
                || (existingRelayed && !newRelayed)
                || (existingRelayed == newRelayed && (existing.Initiator == session.Initiator || OpenedBySmallerId(session)));
            if (!keepNew)
                return existing;
            if (_sessions.TryUpdate(key, session, existing))
            {
                existing.CloseReason = existingRelayed && !newRelayed ? "replaced by a direct connection" : "replaced by a newer connection";
                if (existingRelayed && !newRelayed)
                {
                    SessionLog.SwitchedToDirect(_log, session.RemoteId.Short, session.Address);
                    _node.Peers.Remove(existing.Address, PeerRemovalReason.Disconnected);
                }
                _node.Work.Track(existing.CloseAsync());
                return session;
            }
        }
    }

    private bool OpenedBySmallerId(SecureSession session)
    {
        var (opener, other) = session.Initiator ? (_node.Identity.Id, session.RemoteId) : (session.RemoteId, _node.Identity.Id);
        return string.CompareOrdinal(opener.Value, other.Value) < 0;
    }

    private async Task SuperviseAsync(SecureSession session)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_node.Stopping);
        var keepAlive = session.KeepAliveAsync(Options.HeartbeatInterval, Options.DeadAfter, stop.Token);
        await session.Completion.ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await keepAlive.ConfigureAwait(false);
        await session.CloseAsync().ConfigureAwait(false);

        var id = session.RemoteId;
        _supervised.TryRemove(session, out _);
        var wasCurrent = _sessions.TryRemove(KeyValuePair.Create(id.Value, session));
        // Not kept alive by the address cache (Find would drop it at its next look there anyway).
        _lastFoundAt.TryRemove(KeyValuePair.Create(session.Address, session));
        Ended?.Invoke(session);
        if (!wasCurrent)
            return;

        var reason = session.CloseReason ?? session.Fault?.Message ?? "connection closed";
        SessionLog.Ended(_log, id.Short, reason);
        _node.Publish(new SecurePeerDisconnected(_node.Now, session.Address, id, reason));
        Closed?.Invoke(session, reason);
        // Otherwise the dialer reconnects (it listens to Closed).
        if (session.ClosedByPeer)
            _node.Peers.Remove(session.Address, PeerRemovalReason.Disconnected);
    }

    private bool IsCurrent(SecureSession session) =>
        _sessions.TryGetValue(session.RemoteId.Value, out var current) && current == session && _supervised.TryAdd(session, 0);

    // The live session at the address. The one found there last is checked first (still at that address, live, and
    // still its peer's current session); otherwise every session is looked at, enumerated in place as OwnerOf does
    // (Values copies every session into a new list).
    public SecureSession? Find(PeerKey address)
    {
        if (_lastFoundAt.TryGetValue(address, out var last) && last.Address == address && !last.Completion.IsCompleted
            && _sessions.TryGetValue(last.RemoteId.Value, out var current) && current == last)
            return last;
        foreach (var (_, s) in _sessions)
        {
            if (s.Address == address && !s.Completion.IsCompleted)
            {
                _lastFoundAt[address] = s;
                return s;
            }
        }
        _lastFoundAt.TryRemove(address, out _);
        return null;
    }

    public SecureSession? Find(PeerId id) =>
        _sessions.TryGetValue(id.Value, out var s) && !s.Completion.IsCompleted ? s : null;

    /// <summary>A session with <paramref name="id"/> is registered, live or still closing.</summary>
    public bool IsRegistered(PeerId id) => _sessions.ContainsKey(id.Value);

    // Relays and discovery know a peer by the hash of its whole certificate: kept with the contact so the peer can
    // be reached through a relay once it is no longer on our network.
    private static SyncthingDeviceId? DeviceIdOf(SslStream ssl) =>
        ssl.RemoteCertificate is { } certificate ? SyncthingDeviceId.FromCertificateDer(certificate.GetRawCertData()) : null;

    private void RecordDeviceId(SyncthingDeviceId? proven, PeerId id)
    {
        if (proven is not { } device)
            return;
        if (_node.Trust.Find(id)?.DeviceId != device)
            _node.Trust.RecordDeviceId(id, device, _node.Now);
    }

    /// <summary>Another ID that owns <paramref name="address"/>: a trusted contact last seen there, or a live session filed there.</summary>
    private PeerId? OwnerOf(PeerKey address, PeerId claimant)
    {
        if (_node.Trust.FindTrustedByAddress(address.ToString()) is { } trusted && trusted.Id != claimant)
            return trusted.Id;
        // Enumerated in place: Values copies every session (under all of the dictionary's locks) for each new one.
        foreach (var (_, s) in _sessions)
        {
            if (s.RemoteId != claimant && s.Address == address && !s.Completion.IsCompleted)
                return s.RemoteId;
        }
        return null;
    }

    /// <summary>The ID a secure peer proved at this address before: it must prove it again. A trusted contact's binding comes first.</summary>
    public PeerId? KnownSecureId(PeerKey address)
    {
        if (_node.Trust.FindTrustedByAddress(address.ToString()) is { } trusted)
            return trusted.Id;
        if (_node.Peers.Find(address) is { Protocol: PeerProtocol.Secure, Id: { } id })
            return id;
        return _node.Trust.FindByAddress(address.ToString())?.Id;
    }

    /// <summary>The address answered, but not over TLS: an old peer, spoken to in the legacy protocol from now on.</summary>
    public void MarkLegacy(PeerKey address) => _knownLegacy[address] = 0;

    public bool IsKnownLegacy(PeerKey address) =>
        !IsKnownCryptoSphere(address) && (_knownLegacy.ContainsKey(address) || _node.Peers.Find(address) is { Protocol: PeerProtocol.Legacy });

    /// <summary>
    /// The address greeted as a CryptoSphere node, but too late (it was taken for an old peer): it is dialled over TLS
    /// from now on (after a restart too), without waiting for a greeting again, and never sent plaintext by choice.
    /// </summary>
    public void MarkCryptoSphere(PeerKey address)
    {
        _node.CryptoSphereAddresses.Mark(address, _node.Now);
        _knownLegacy.TryRemove(address, out _);
    }

    public bool IsKnownCryptoSphere(PeerKey address) => _node.CryptoSphereAddresses.Contains(address);
}
