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
    private readonly TimeSpan _reachLimit;
    private readonly ILogger _log;
    private string? _lookupFailureWarned;

    public AcrossNetworks(AcrossNetworksOptions options, NodeIdentity identity, Func<IReadOnlyCollection<string>> directAddresses,
        RelayClientOptions? relayOptions = null, ILogger? logger = null)
    {
        Options = options;
        _identity = identity;
        _log = logger ?? NullLogger.Instance;
        _timeout = (relayOptions ?? new RelayClientOptions()).Timeout;
        _reachLimit = (relayOptions ?? new RelayClientOptions()).EffectiveReachLimit;
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

    /// <summary>At most this many relays are dialled for one peer, the first ones named (invite, own, then discovery's).</summary>
    public const int MaxRelaysTried = 8;

    /// <summary>How many of them are dialled at once.</summary>
    public const int ParallelDials = 4;

    /// <summary>
    /// A session with <paramref name="peer"/> through the first relay that has it: the relays named in
    /// <paramref name="knownRelays"/> (from an invite or an earlier lookup), our own, then those the discovery
    /// server lists for the peer. Null when none does. The caller runs the handshake and checks the peer ID.
    /// </summary>
    public async Task<RelaySession?> ConnectAsync(SyncthingDeviceId peer, IEnumerable<RelayUrl> knownRelays, CancellationToken cancellationToken) =>
        (await TryConnectAsync(peer, knownRelays, cancellationToken).ConfigureAwait(false)).Session;

    /// <summary>
    /// <see cref="ConnectAsync"/> with the true reason when there is no session: the discovery lookup failed, the
    /// relays did not answer, or they answered that the peer has not joined them (hunt C3: all three were reported
    /// as "no relay has it joined"). At most <see cref="MaxRelaysTried"/> relays, <see cref="ParallelDials"/> at a
    /// time, and the whole attempt ends after <see cref="RelayClientOptions.ReachLimit"/>.
    /// </summary>
    public async Task<RelayAttempt> TryConnectAsync(SyncthingDeviceId peer, IEnumerable<RelayUrl> knownRelays, CancellationToken cancellationToken)
    {
        var candidates = knownRelays.ToList();
        if (Options.Relay is { } own)
            candidates.Add(own);
        string? lookupFailure = null;
        if (Discovery is not null)
        {
            var (found, failure) = await LookUpAsync(peer, cancellationToken).ConfigureAwait(false);
            lookupFailure = failure;
            if (found is not null)
                candidates.AddRange(found.Addresses.Select(a => AnnouncedAddress.TryParseRelay(a, out var r) ? r : null).OfType<RelayUrl>());
        }
        var relays = candidates.Distinct().Take(MaxRelaysTried).ToList();
        var lookupNote = lookupFailure is null ? "" : $"; discovery lookup failed: {lookupFailure}";
        if (relays.Count == 0)
            return new RelayAttempt(null, lookupFailure is null ? "no relay has it joined" : $"discovery lookup failed: {lookupFailure}");

        var dialer = new RelayDialer(_identity, _timeout, _log);
        var outcome = await RelayRace.RunAsync(relays, (relay, token) => dialer.ConnectAsync(relay, peer, token), ParallelDials, _reachLimit,
            cancellationToken).ConfigureAwait(false);
        foreach (var (relay, error) in outcome.Failures)
            RelayLog.DialFailed(_log, relay, peer.ToString(), error.Message);
        if (outcome.Session is { } session)
            return new RelayAttempt(session, "");
        RelayLog.NoRelayReached(_log, peer.ToString(), outcome.Tried, outcome.Failures.Count > 0 ? outcome.Failures[0].Error.Message : "none dialled");
        // "Not joined" is the relay's own answer; anything else (no answer, wrong identity, protocol error) is not.
        var allSaidNotJoined = outcome.Failures.Count > 0 && !outcome.OutOfTime &&
                               outcome.Failures.All(f => f.Error is RelayRefusedException { Code: RelayResponse.NotFound });
        var reason = allSaidNotJoined
            ? $"no relay has it joined (asked {outcome.Tried})"
            : $"relays did not answer (tried {outcome.Tried}{(outcome.OutOfTime ? $", gave up after {_reachLimit.TotalSeconds:0.#} s" : "")}): " +
              (outcome.Failures.FirstOrDefault(f => f.Error is not RelayRefusedException { Code: RelayResponse.NotFound }).Error?.Message
               ?? $"no answer within {_reachLimit.TotalSeconds:0.#} s");
        return new RelayAttempt(null, reason + lookupNote);
    }

    /// <summary>
    /// Looks <paramref name="peer"/> up at the discovery server: its addresses (null when unknown there), or why the
    /// lookup failed. A failure is logged as a warning once per cause, until a lookup works again: it was only a
    /// debug line, and per message it would flood the log.
    /// </summary>
    public async Task<(DiscoveryLookup? Found, string? Failure)> LookUpAsync(SyncthingDeviceId peer, CancellationToken cancellationToken)
    {
        if (Discovery is null)
            return (null, null);
        try
        {
            var found = await Discovery.LookupAsync(peer, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _lookupFailureWarned, null);
            return (found, null);
        }
        catch (DiscoveryException e)
        {
            if (Interlocked.Exchange(ref _lookupFailureWarned, e.Message) != e.Message)
                RelayLog.LookupFailed(_log, peer.ToString(), e.Message);
            else
                RelayLog.LookupFailedAgain(_log, peer.ToString(), e.Message);
            return (null, e.Message);
        }
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
