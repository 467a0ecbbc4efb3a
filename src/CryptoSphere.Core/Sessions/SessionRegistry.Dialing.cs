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
using CryptoSphere.Core.Relay;

namespace CryptoSphere.Core.Sessions;

// Dialing: direct with the greeting probe, then through a relay; kept apart from the registry's bookkeeping.
internal sealed partial class SessionRegistry
{
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

    /// <summary>
    /// Connects to <paramref name="address"/> over TLS, proving <paramref name="expected"/> when given. With no
    /// expected ID the dialer first waits, silent, for the <see cref="ServerGreeting"/>, so an old peer never sees a
    /// TLS ClientHello; with <paramref name="keepSilent"/> the connection of such a peer is returned for its legacy message.
    /// Direct first: when nothing answers there and a relay is configured, the known peer is tried through the relay.
    /// </summary>
    public async Task<DialResult> DialAsync(PeerKey address, PeerId? expected, CancellationToken token,
        PeerSource source = PeerSource.Manual, bool keepSilent = false)
    {
        if (expected is { } id && Relay is { } relay && relay.CanReach(id))
        {
            if (RelayReach.IsRelayedKey(address))
                return await DialRelayedAsync(relay, id, token).ConfigureAwait(false);
            var direct = await DialDirectAsync(address, expected, source, keepSilent, token).ConfigureAwait(false);
            if (direct.Session is not null || !direct.Unreachable)
                return direct;
            var relayed = await DialRelayedAsync(relay, id, token).ConfigureAwait(false);
            return relayed.Session is not null ? relayed : direct with { Error = $"{direct.Error}; through the relay: {relayed.Error}" };
        }
        if (RelayReach.IsRelayedKey(address))
            return DialResult.NoAnswer($"{address} is reached through a relay, and none is configured");
        return await DialDirectAsync(address, expected, source, keepSilent, token).ConfigureAwait(false);
    }

    /// <summary>A direct dial only (no relay after it): to move a relayed peer to a direct connection.</summary>
    public Task<DialResult> DialDirectOnlyAsync(PeerKey address, PeerId id, CancellationToken token) =>
        DialDirectAsync(address, id, PeerSource.Manual, keepSilent: false, token);

    private async Task<DialResult> DialRelayedAsync(RelayReach relay, PeerId id, CancellationToken token)
    {
        if (Find(id) is { } live)
            return DialResult.Connected(live);
        var gate = _dialLocks.GetOrAdd(RelayReach.KeyFor(id, 0), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (Find(id) is { } connected)
                return DialResult.Connected(connected);
            var (secured, error) = await relay.ConnectAsync(id, token).ConfigureAwait(false);
            if (secured is not { } s)
                return error is PeerIdMismatchException mismatch
                    ? NotThePeer(mismatch)
                    : DialResult.NoAnswer(error?.Message ?? "no relay reaches it");
            var session = await OpenSessionAsync(s.Stream, s.Remote, s.RelayEndPoint, initiator: true, token, PeerSource.Manual, s.Key)
                .ConfigureAwait(false);
            return session is null
                ? DialResult.Failed($"peer {id.Short} through the relay: {(_lastRefusal.TryRemove(id.Value, out var why) ? why : "refused")}")
                : DialResult.Connected(session);
        }
        finally
        {
            gate.Release();
        }
    }

    private DialResult NotThePeer(PeerIdMismatchException e)
    {
        _node.Refuse("relay", e.Actual, e.Message);
        return DialResult.NotThePeer(e.Message);
    }

    private async Task<DialResult> DialDirectAsync(PeerKey address, PeerId? expected, PeerSource source, bool keepSilent,
        CancellationToken token)
    {
        var gate = _dialLocks.GetOrAdd(address, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (Find(address) is { } live)
                return DialResult.Connected(live);

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                connectTimeout.CancelAfter(Options.ConnectTimeout);
                await socket.ConnectAsync(address.Host, address.Port, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !token.IsCancellationRequested)
            {
                socket.Dispose();
                return DialResult.NoAnswer(e is SocketException s ? SocketErrors.Describe(s) : $"no answer within {Options.ConnectTimeout.TotalSeconds:0.#} s");
            }

            Stream transport = new NetworkStream(socket, ownsSocket: true);
            if (expected is null)
            {
                switch (await ServerGreeting.AwaitAsync(socket, Options.GreetingWait, token).ConfigureAwait(false))
                {
                    case ServerGreeting.Answer.Silent when keepSilent:
                        return DialResult.NotSecure($"{address} did not greet within {Options.GreetingWait.TotalSeconds:0.#} s: not a CryptoSphere node")
                            with { Silent = socket };
                    case ServerGreeting.Answer.Silent:
                        socket.Dispose();
                        return DialResult.NotSecure($"{address} did not greet within {Options.GreetingWait.TotalSeconds:0.#} s: not a CryptoSphere node");
                    case ServerGreeting.Answer.Other:
                        socket.Dispose();
                        return DialResult.NotSecure($"{address} answered, but not as a CryptoSphere node");
                }
            }

            SslStream ssl;
            PeerId id;
            try
            {
                (ssl, id) = await TlsHandshake.ConnectAsync(transport, _node.Identity, expected,
                    Options.HandshakeTimeout, token).ConfigureAwait(false);
            }
            catch (PeerIdMismatchException e)
            {
                _node.Refuse(address.ToString(), e.Actual, e.Message);
                return DialResult.NotThePeer(e.Message);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or TimeoutException)
            {
                socket.Dispose();
                // Only a known secure peer or one that greeted gets this far: a CryptoSphere node, so never plaintext.
                return DialResult.NoAnswer($"{address} did not complete the secure handshake ({e.Message}); " +
                                           (expected is not null ? "it is a known secure peer" : "it greeted as a CryptoSphere node") +
                                           ", so no plaintext fallback");
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
}
