using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Discovery;

/// <summary>
/// Addresses claimed for peer IDs (LAN announcements, peer exchange, group membership) are connected to, and
/// the TLS handshake proves the claimed ID before the peer enters the table. Also runs the LAN discovery.
/// </summary>
internal sealed class CandidateDialer(NodeRuntime node, SessionRegistry sessions, SessionDialer dialer) : IAsyncDisposable
{
    private static readonly TimeSpan RedialAfter = TimeSpan.FromSeconds(10);

    private readonly ILogger _log = node.Logger<CandidateDialer>();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastDial = new();
    private LanDiscovery? _discovery;
    private readonly DialBudget _budget = new(node.Options.MaxDialsCausedPerPeer, TimeSpan.FromMinutes(1), node.Clock);
    private long _dials;

    /// <summary>Candidate dials started, and those refused because the peer whose frame named them spent its budget.</summary>
    public long Dials => Interlocked.Read(ref _dials);

    public long DialsRefused => _budget.Refused;

    /// <summary>LAN discovery while it runs (its counters show what was dropped and why).</summary>
    public LanDiscovery? Discovery => _discovery;

    public void StartDiscovery()
    {
        if (!node.Options.Discovery.Enabled)
            return;
        _discovery = new LanDiscovery(node.Options.Discovery,
            () => new Announcement(node.Identity.Id, (ushort)node.Port, HelloMessage.CurrentVersion, node.Options.Name),
            (a, source) => Consider(a.Id, new PeerKey(PeerKey.HostOf(source), a.Port), PeerSource.Announced),
            _log, node.Clock);
        _discovery.Start();
    }

    /// <summary>Stops announcing and listening for announcements.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_discovery is not null)
            await _discovery.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// An address claimed for a peer ID: connect to it, proving the ID, unless already connected, blocked, or
    /// that address was tried a moment ago.
    /// </summary>
    public void Consider(PeerId id, PeerKey address, PeerSource source, PeerId? causedBy = null)
    {
        // A peer reached only through a relay is still worth a direct dial: it replaces the relayed session.
        if (id == node.Identity.Id || sessions.Find(id) is { RelayedAddress: null } || node.Trust.StateOf(id) == TrustState.Blocked || node.Work.IsStopping)
            return;
        // Per ID and address: one ID is often claimed at several at once (a node announces over IPv4 and IPv6,
        // and listens on one of them only; peer exchange may carry an old address). A dead one must not hold
        // back the others until the next announcement.
        var key = $"{id.Value} {address}";
        var now = node.Now;
        // Bounded memory whatever peers claim, without forgetting everything (which would let a flood of
        // claims redial at once): entries older than the redial delay mean nothing and go; while more than
        // 10,000 recent ones remain, new candidates wait for the next claim.
        if (_lastDial.Count > 10_000)
        {
            foreach (var (stale, at) in _lastDial)
            {
                if (now - at >= RedialAfter)
                    _lastDial.TryRemove(stale, out _);
            }
            if (_lastDial.Count > 10_000 && !_lastDial.ContainsKey(key))
                return;
        }
        var last = _lastDial.GetOrAdd(key, DateTimeOffset.MinValue);
        if (now - last < RedialAfter || !_lastDial.TryUpdate(key, now, last))
            return;
        // Addresses named (and not dialled a moment ago) by a peer that is not trusted cost that peer's dial budget.
        if (causedBy is { } cause && node.Trust.StateOf(cause) != TrustState.Trusted && !_budget.Allow(cause))
        {
            DiscoveryLog.CandidateNotReached(_log, id.Short, address, source, $"{cause.Short} has named too many addresses to dial this minute");
            return;
        }
        Interlocked.Increment(ref _dials);
        node.Work.Track(DialAsync(id, address, source));
    }

    private async Task DialAsync(PeerId id, PeerKey address, PeerSource source)
    {
        var result = await dialer.DialAsync(address, id, node.Stopping, source).ConfigureAwait(false);
        if (result.Session is null)
            DiscoveryLog.CandidateNotReached(_log, id.Short, address, source, result.Error);
    }
}
