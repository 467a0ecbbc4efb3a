using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// Dialing secure sessions: direct (with the greeting probe for an address that is not known to be secure), then
/// through a relay, one dial per address at a time; and redialling a peer whose session was lost. The sessions it
/// makes are opened and kept by the <see cref="SessionRegistry"/>, which knows nothing of dialing.
/// </summary>
internal sealed class SessionDialer
{
    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly RelayReach _relay;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<PeerKey, SemaphoreSlim> _dialLocks = new();
    private readonly ConcurrentDictionary<string, byte> _reconnecting = new();

    public SessionDialer(NodeRuntime node, SessionRegistry sessions, RelayReach relay)
    {
        _node = node;
        _sessions = sessions;
        _relay = relay;
        _log = node.Logger<SessionDialer>();
        sessions.Closed += OnClosed;
    }

    private NodeOptions Options => _node.Options;

    /// <summary>
    /// Connects to <paramref name="address"/> over TLS, proving <paramref name="expected"/> when given. With no
    /// expected ID the dialer first waits, silent, for the <see cref="ServerGreeting"/>, so an old peer never sees a
    /// TLS ClientHello; with <paramref name="keepSilent"/> the connection of such a peer is returned for its legacy message.
    /// Direct first: when nothing answers there and a relay is configured, the known peer is tried through the relay.
    /// </summary>
    public async Task<DialResult> DialAsync(PeerKey address, PeerId? expected, CancellationToken token,
        PeerSource source = PeerSource.Manual, bool keepSilent = false)
    {
        if (expected is { } id && _relay.CanReach(id))
        {
            if (RelayReach.IsRelayedKey(address))
                return await DialRelayedAsync(id, token).ConfigureAwait(false);
            var direct = await DialDirectAsync(address, expected, source, keepSilent, token).ConfigureAwait(false);
            if (direct.Session is not null || !direct.Unreachable)
                return direct;
            var relayed = await DialRelayedAsync(id, token).ConfigureAwait(false);
            return relayed.Session is not null ? relayed : direct with { Error = $"{direct.Error}; through the relay: {relayed.Error}" };
        }
        if (RelayReach.IsRelayedKey(address))
            return DialResult.NoAnswer($"{address} is reached through a relay, and none is configured");
        return await DialDirectAsync(address, expected, source, keepSilent, token).ConfigureAwait(false);
    }

    /// <summary>A direct dial only (no relay after it): to move a relayed peer to a direct connection.</summary>
    public Task<DialResult> DialDirectOnlyAsync(PeerKey address, PeerId id, CancellationToken token) =>
        DialDirectAsync(address, id, PeerSource.Manual, keepSilent: false, token);

    private async Task<DialResult> DialRelayedAsync(PeerId id, CancellationToken token)
    {
        if (_sessions.Find(id) is { } live)
            return DialResult.Connected(live);
        var gate = _dialLocks.GetOrAdd(RelayReach.KeyFor(id, 0), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (_sessions.Find(id) is { } connected)
                return DialResult.Connected(connected);
            var (secured, error) = await _relay.ConnectAsync(id, token).ConfigureAwait(false);
            if (secured is not { } s)
                return error is PeerIdMismatchException mismatch
                    ? NotThePeer("relay", mismatch)
                    : DialResult.NoAnswer(error?.Message ?? "no relay reaches it");
            var (session, refusal) = await _sessions.OpenAsync(s.Stream, s.Remote, s.RelayEndPoint, initiator: true, token,
                PeerSource.Manual, s.Key).ConfigureAwait(false);
            return session is null
                ? DialResult.Failed($"peer {id.Short} through the relay: {refusal ?? "refused"}")
                : DialResult.Connected(session);
        }
        finally
        {
            gate.Release();
        }
    }

    private DialResult NotThePeer(string remote, PeerIdMismatchException e)
    {
        _node.Refuse(remote, e.Actual, e.Message);
        return DialResult.NotThePeer(e.Message);
    }

    private async Task<DialResult> DialDirectAsync(PeerKey address, PeerId? expected, PeerSource source, bool keepSilent,
        CancellationToken token)
    {
        var gate = _dialLocks.GetOrAdd(address, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (_sessions.Find(address) is { } live)
                return DialResult.Connected(live);

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            // Closed here unless handed on (to the session, or to the legacy sender): a dial cancelled by a stop left it
            // to the finalizer. Tracked until then, so a stop closes it at once.
            var handedOn = false;
            try
            {
                (DialResult? Failed, (SslStream, PeerId, IPEndPoint)? Tls) secured;
                using (_sessions.BeginHandshake(socket))
                    secured = await ConnectAndHandshakeAsync(socket, address, expected, keepSilent, token).ConfigureAwait(false);
                if (secured.Failed is { } failed)
                {
                    handedOn = failed.Silent is not null;
                    return failed;
                }
                // From here the session owns the socket (and the registry closes it on a stop).
                var (ssl, id, remote) = secured.Tls!.Value;
                handedOn = true;
                var (session, refusal) = await _sessions.OpenAsync(ssl, id, remote, initiator: true, token, source).ConfigureAwait(false);
                return session is null
                    ? DialResult.Failed($"peer {id.Short} at {address}: {refusal ?? "refused"}")
                    : DialResult.Connected(session);
            }
            catch (Exception e) when (_sessions.IsStopping && e is SocketException or IOException or ObjectDisposedException)
            {
                // The stop closed the socket under the dial.
                return DialResult.NoAnswer("this node is shutting down");
            }
            finally
            {
                if (!handedOn)
                    socket.Dispose();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    // Connects, waits for the greeting where the address is not known to be secure, and runs the TLS handshake: the
    // secured stream, or how the dial ended (the caller closes the socket unless it is handed on as Silent).
    private async Task<(DialResult? Failed, (SslStream Ssl, PeerId Id, IPEndPoint Remote)? Tls)> ConnectAndHandshakeAsync(Socket socket, PeerKey address,
        PeerId? expected, bool keepSilent, CancellationToken token)
    {
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            connectTimeout.CancelAfter(Options.ConnectTimeout);
            await socket.ConnectAsync(address.Host, address.Port, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !token.IsCancellationRequested)
        {
            return (DialResult.NoAnswer(e is SocketException s ? SocketErrors.Describe(s) : $"no answer within {Options.ConnectTimeout.TotalSeconds:0.#} s"), null);
        }
        var remote = (IPEndPoint)socket.RemoteEndPoint!;

        Stream transport = new NetworkStream(socket, ownsSocket: true);
        // An address that greeted once (if late) is a CryptoSphere node: its listener takes a ClientHello at once.
        if (expected is null && !_sessions.IsKnownCryptoSphere(address))
        {
            switch (await ServerGreeting.AwaitAsync(socket, Options.GreetingWait, token).ConfigureAwait(false))
            {
                case ServerGreeting.Answer.Silent when keepSilent:
                    return (DialResult.NotSecure($"{address} did not greet within {Options.GreetingWait.TotalSeconds:0.#} s: not a CryptoSphere node")
                        with { Silent = socket }, null);
                case ServerGreeting.Answer.Silent:
                    return (DialResult.NotSecure($"{address} did not greet within {Options.GreetingWait.TotalSeconds:0.#} s: not a CryptoSphere node"), null);
                case ServerGreeting.Answer.Other:
                    return (DialResult.NotSecure($"{address} answered, but not as a CryptoSphere node"), null);
            }
        }

        try
        {
            var (ssl, id) = await TlsHandshake.ConnectAsync(transport, _node.Identity, expected, Options.HandshakeTimeout, token).ConfigureAwait(false);
            return (null, (ssl, id, remote));
        }
        catch (PeerIdMismatchException e)
        {
            return (NotThePeer(address.ToString(), e), null);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or TimeoutException)
        {
            // Only a known secure peer or one that greeted gets this far: a CryptoSphere node, so never plaintext.
            return (DialResult.NoAnswer($"{address} did not complete the secure handshake ({e.Message}); " +
                                        (expected is not null ? "it is a known secure peer" : "it greeted as a CryptoSphere node") +
                                        ", so no plaintext fallback"), null);
        }
    }

    // A session lost without the peer saying goodbye is dialled again, unless the node stops or the peer is blocked.
    private void OnClosed(SecureSession session, string reason)
    {
        if (!session.ClosedByPeer && !_node.Work.IsStopping && _node.Trust.StateOf(session.RemoteId) != TrustState.Blocked)
            _node.Work.Track(ReconnectAsync(session.Address, session.RemoteId));
    }

    /// <summary>Reconnects with exponential backoff and jitter until it works, the peer returns by itself, or is dropped.</summary>
    private async Task ReconnectAsync(PeerKey address, PeerId id)
    {
        if (!_reconnecting.TryAdd(id.Value, 0))
            return;
        try
        {
            var delay = Options.ReconnectInitialDelay;
            while (!_node.Work.IsStopping)
            {
                var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
                await Task.Delay(delay * jitter, _node.Clock, _node.Stopping).ConfigureAwait(false);
                if (_sessions.IsRegistered(id) || _node.Peers.Find(address) is null || _node.Trust.StateOf(id) == TrustState.Blocked)
                    return;
                var result = await DialAsync(address, id, _node.Stopping).ConfigureAwait(false);
                if (result.Session is not null)
                    return;
                SessionLog.ReconnectFailed(_log, id.Short, address, result.Error);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Options.ReconnectMaxDelay.Ticks));
            }
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
        finally
        {
            _reconnecting.TryRemove(id.Value, out _);
        }
    }
}
