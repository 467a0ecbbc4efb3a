using System.Net;
using System.Net.Security;
using CryptoSphere.Core.GlobalDiscovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Relay.Protocol;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// The node's use of a relay and a discovery server (<see cref="NodeOptions.AcrossNetworks"/>; nothing when neither
/// is configured): stays joined, announces, takes relay invitations (up to <see cref="RelayInvitationGate"/>'s cap), and gives the
/// <see cref="SessionDialer"/> a way to reach a known peer through a relay when its address does not answer.
/// </summary>
internal sealed class RelayReach : IAsyncDisposable
{
    private const string RelayedHostPrefix = "relay~";

    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly ILogger _log;
    private readonly RelayInvitationGate _gate;
    private AcrossNetworks? _across;
    private long _lastCapReport;
    private long _refusedAtCap;

    public RelayReach(NodeRuntime node, SessionRegistry sessions)
    {
        _node = node;
        _sessions = sessions;
        _log = node.Logger<RelayReach>();
        _gate = new RelayInvitationGate(node.Options.MaxConnectionsPerIp);
    }

    /// <summary>The key a relayed peer has in the peer table: its ID (the relay's IP is shared by every relayed peer).</summary>
    public static PeerKey KeyFor(PeerId id, int relayPort) => new(RelayedHostPrefix + id.Value, relayPort);

    public static bool IsRelayedKey(PeerKey key) => key.Host.StartsWith(RelayedHostPrefix, StringComparison.Ordinal);

    public RelayClient? Client => _across?.RelayClient;

    /// <summary>Worth trying through a relay: its device ID is known, and a relay is configured or came with its invite.</summary>
    public bool CanReach(PeerId id) =>
        _across is not null && _node.Trust.Find(id) is { DeviceId: not null } contact &&
        (_node.Options.AcrossNetworks.IsConfigured || contact.Relay is not null);

    public void Start()
    {
        var options = _node.Options;
        // With nothing configured this creates no client and contacts no server; only a relay a contact named in
        // the invite link the user added (see CanReach) is ever dialled.
        _across = new AcrossNetworks(options.AcrossNetworks, _node.Identity, DirectAddresses, options.RelayConnection, _log);
        _across.Invited += OnInvited;
        _across.Start();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _across, null) is { } across)
        {
            await across.DisposeAsync().ConfigureAwait(false);
        }
    }

    // What discovery gets as our direct address: the advertised LAN IP and the listening port (loopback never).
    private IReadOnlyCollection<string> DirectAddresses() =>
        IPAddress.TryParse(_node.AdvertisedIp, out var ip) && !IPAddress.IsLoopback(ip) && _node.Port > 0
            ? [AnnouncedAddress.Direct(new IPEndPoint(ip, _node.Port))]
            : [];

    // Every invitation is taken (see RelayInvitationGate): --accept applies to what the peer sends once its ID is proven,
    // as on a direct connection, so a stranger's messages become a contact request instead of being refused unread.
    private void OnInvited(SessionInvitation invitation)
    {
        var trusted = invitation.FromDevice is { } device && _node.Trust.FindByDeviceId(device) is { State: TrustState.Trusted };
        if (!_gate.TryEnter(trusted))
        {
            ReportAtCap(invitation);
            return;
        }
        _node.Work.Track(AcceptAsync(invitation, trusted));
    }

    private async Task AcceptAsync(SessionInvitation invitation, bool trusted)
    {
        var token = _node.Stopping;
        RelaySession? session = null;
        try
        {
            session = await _across!.AcceptAsync(invitation, token).ConfigureAwait(false);
            var (ssl, id) = await RelaySecureHandshake.RunAsync(session, _node.Identity, null, _node.Options.HandshakeTimeout, token)
                .ConfigureAwait(false);
            // Returns when the session ends (or lost to another one), so the gate counts it while it is open.
            await _sessions.AcceptSecuredAsync(ssl, id, session.RelayEndPoint, KeyFor(id, session.Relay.Port), token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The node is stopping.
        }
        catch (Exception e) when (e is RelayRefusedException or RelayProtocolException or IOException or TimeoutException
                                       or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            _node.Reject(RemoteOf(invitation), $"relay session failed: {e.Message}");
            if (session is not null)
                await session.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Exit(trusted);
        }
    }

    // Who an invitation is from, for reports: the device the relay names (no peer ID is known before the handshake).
    private static string RemoteOf(SessionInvitation invitation) =>
        $"relay device {invitation.FromDevice?.ToString() ?? "(none given)"}";

    // One report per second at most, as the listener does at its caps: a flood must not flood the log and the events.
    private void ReportAtCap(SessionInvitation invitation)
    {
        var refused = Interlocked.Increment(ref _refusedAtCap);
        var now = _node.Clock.GetTimestamp();
        var last = Interlocked.Read(ref _lastCapReport);
        if (last != 0 && _node.Clock.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1))
            return;
        if (Interlocked.CompareExchange(ref _lastCapReport, now, last) != last)
            return;
        RelayLog.StrangersAtCap(_log, invitation.FromDevice?.ToString() ?? "(none given)", _gate.Strangers, _gate.StrangerCap, refused);
        _node.Reject(RemoteOf(invitation),
            $"relayed session not taken: {_gate.StrangerCap} sessions with devices that are not trusted contacts are open ({refused} not taken so far)");
    }

    /// <summary>
    /// The direct addresses the discovery server lists for <paramref name="id"/> (none without a server, a known
    /// device ID or an answer): where a relayed peer may be reachable directly now.
    /// </summary>
    public async Task<IReadOnlyList<PeerKey>> DirectAddressesAsync(PeerId id, CancellationToken token)
    {
        if (_across is not { Discovery: not null } across || _node.Trust.Find(id)?.DeviceId is not { } device)
            return [];
        // A failed lookup is logged there (a warning once per cause).
        var (found, _) = await across.LookUpAsync(device, token).ConfigureAwait(false);
        return (found?.Addresses ?? [])
            .Select(a => AnnouncedAddress.TryParseDirect(a, out var endPoint) ? new PeerKey(PeerKey.HostOf(endPoint!.Address), endPoint.Port) : (PeerKey?)null)
            .OfType<PeerKey>().ToList();
    }

    /// <summary>
    /// Our handshake with <paramref name="id"/> through a relay; the error when no relay reaches it, or when the one
    /// who answered proved another ID.
    /// </summary>
    public async Task<((SslStream Stream, PeerId Remote, IPEndPoint RelayEndPoint, PeerKey Key)? Secured, Exception? Error)> ConnectAsync(
        PeerId id, CancellationToken token)
    {
        if (_across is not { } across)
            return (null, new InvalidOperationException("no relay or discovery server is configured"));
        var contact = _node.Trust.Find(id);
        if (contact?.DeviceId is not { } device)
            return (null, new InvalidOperationException($"the relay address of {id.Short} is not known yet (meet it once directly, or add its invite link)"));
        RelayUrl[] known = contact.Relay is { } theirs ? [theirs] : [];
        // strelaysrv can fail the other side's session join when both joins arrive at once (its session loop takes
        // one connection at a time); the other side cannot ask again with the same key, so we do, once.
        Exception? last = null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            // The attempt's own reason (lookup failed, relays silent, not joined) reaches the sender as it is.
            var tried = await across.TryConnectAsync(device, known, token).ConfigureAwait(false);
            if (tried.Session is not { } session)
                return (null, last ?? new InvalidOperationException(tried.Failure));
            try
            {
                var (ssl, remote) = await RelaySecureHandshake.RunAsync(session, _node.Identity, id, _node.Options.HandshakeTimeout, token)
                    .ConfigureAwait(false);
                return ((ssl, remote, session.RelayEndPoint, KeyFor(remote, session.Relay.Port)), null);
            }
            catch (TimeoutException e)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                last = e;
            }
            catch (Exception e) when (e is PeerIdMismatchException or IOException or System.Security.Authentication.AuthenticationException)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                return (null, e);
            }
        }
        return (null, last);
    }
}
