using CryptoSphere.Core.GlobalDiscovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// Everything a node does beyond its LAN, and only what <see cref="AcrossNetworksOptions"/> names: stay joined to
/// the relay, announce the node's addresses and relay to the discovery server, look peers up there, and reach a
/// peer through a relay. With nothing configured it creates no client and opens no socket.
/// </summary>
public sealed class AcrossNetworks : IAsyncDisposable
{
    private readonly NodeIdentity _identity;
    private readonly TimeSpan _timeout;
    private readonly ILogger _log;

    public AcrossNetworks(AcrossNetworksOptions options, NodeIdentity identity, Func<IReadOnlyCollection<string>> directAddresses,
        RelayClientOptions? relayOptions = null, ILogger? logger = null)
    {
        Options = options;
        _identity = identity;
        _log = logger ?? NullLogger.Instance;
        _timeout = (relayOptions ?? new RelayClientOptions()).Timeout;
        Device = SyncthingDeviceId.FromCertificate(identity.Certificate);
        if (options.Relay is { } relay)
        {
            RelayClient = new RelayClient(relay, identity, relayOptions, _log);
            RelayClient.Invited += invitation => Invited?.Invoke(invitation);
        }
        if (options.DiscoveryServer is { } server)
        {
            Discovery = new GlobalDiscoveryClient(server, identity, _timeout, _log);
            Announcer = new DiscoveryAnnouncer(Discovery, () => AddressesToAnnounce(directAddresses()), logger: _log);
            if (RelayClient is not null)
                RelayClient.JoinedChanged += _ => Announcer.AnnounceNow();
        }
    }

    public AcrossNetworksOptions Options { get; }

    /// <summary>Our own certificate's Syncthing device ID: what relays and discovery know us by.</summary>
    public SyncthingDeviceId Device { get; }

    public RelayClient? RelayClient { get; }

    public GlobalDiscoveryClient? Discovery { get; }

    public DiscoveryAnnouncer? Announcer { get; }

    /// <summary>A peer asks to reach us through the relay; the node decides whether to take it (RelayInvitationGate), then calls <see cref="AcceptAsync"/>.</summary>
    public event Action<SessionInvitation>? Invited;

    public void Start()
    {
        RelayClient?.Start();
        Announcer?.Start();
    }

    /// <summary>What is announced: the direct addresses, plus our relay once joined to it.</summary>
    public IReadOnlyCollection<string> AddressesToAnnounce(IReadOnlyCollection<string> direct) =>
        RelayClient is { State: RelayClientState.Joined } joined ? [.. direct, joined.Relay.ToString()] : direct;

    public Task<RelaySession> AcceptAsync(SessionInvitation invitation, CancellationToken cancellationToken) =>
        RelayClient is { } client
            ? client.AcceptAsync(invitation, cancellationToken)
            : throw new InvalidOperationException("no relay is configured");

    /// <summary>
    /// A session with <paramref name="peer"/> through the first relay that has it: the relays named in
    /// <paramref name="knownRelays"/> (from an invite or an earlier lookup), our own, then those the discovery
    /// server lists for the peer. Null when none does. The caller runs the handshake and checks the peer ID.
    /// </summary>
    public async Task<RelaySession?> ConnectAsync(SyncthingDeviceId peer, IEnumerable<RelayUrl> knownRelays, CancellationToken cancellationToken)
    {
        var candidates = knownRelays.ToList();
        if (Options.Relay is { } own)
            candidates.Add(own);
        if (Discovery is not null)
        {
            try
            {
                if (await Discovery.LookupAsync(peer, cancellationToken).ConfigureAwait(false) is { } found)
                    candidates.AddRange(found.Addresses.Select(a => AnnouncedAddress.TryParseRelay(a, out var r) ? r : null).OfType<RelayUrl>());
            }
            catch (DiscoveryException e)
            {
                RelayLog.LookupFailed(_log, peer.ToString(), e.Message);
            }
        }
        var dialer = new RelayDialer(_identity, _timeout, _log);
        foreach (var relay in candidates.Distinct())
        {
            try
            {
                return await dialer.ConnectAsync(relay, peer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RelayRefusedException or RelayIdentityException or RelayProtocolException
                                           or TimeoutException or IOException or System.Net.Sockets.SocketException
                                           or System.Security.Authentication.AuthenticationException)
            {
                RelayLog.DialFailed(_log, relay, peer.ToString(), e.Message);
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (Announcer is not null)
            await Announcer.DisposeAsync().ConfigureAwait(false);
        if (RelayClient is not null)
            await RelayClient.DisposeAsync().ConfigureAwait(false);
        Discovery?.Dispose();
    }
}
