using System.Collections.Concurrent;
using System.Net;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// LAN discovery: announced peers are connected to, and the TLS handshake proves the announced ID
// before the peer enters the table.
public sealed partial class ChatNode
{
    private static readonly TimeSpan RedialAfter = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastCandidateDial = new();
    private LanDiscovery? _discovery;

    /// <summary>LAN discovery while it runs (its counters show what was dropped and why).</summary>
    internal LanDiscovery? Discovery => _discovery;

    private void StartDiscovery()
    {
        if (!_options.Discovery.Enabled)
            return;
        _discovery = new LanDiscovery(_options.Discovery,
            () => new Announcement(Identity.Id, (ushort)Port, HelloMessage.CurrentVersion, _options.Name),
            (a, source) => ConsiderCandidate(a.Id, new PeerKey(PeerKey.HostOf(source), a.Port), PeerSource.Announced),
            _log, _clock);
        _discovery.Start();
    }

    /// <summary>
    /// An address claimed for a peer ID (announced or learned from a peer): connect to it, proving the ID,
    /// unless already connected, blocked, or that address was tried a moment ago.
    /// </summary>
    private void ConsiderCandidate(PeerId id, PeerKey address, PeerSource source)
    {
        if (id == Identity.Id || FindSession(id) is not null || Trust.StateOf(id) == TrustState.Blocked || _stopping.IsCancellationRequested)
            return;
        // Per ID and address: one ID is often claimed at several at once (a node announces over IPv4 and IPv6,
        // and listens on one of them only; peer exchange may carry an old address). A dead one must not hold
        // back the others until the next announcement.
        var key = $"{id.Value} {address}";
        var now = Now;
        if (_lastCandidateDial.Count > 10_000)
            _lastCandidateDial.Clear(); // bounded memory whatever peers claim
        var last = _lastCandidateDial.GetOrAdd(key, DateTimeOffset.MinValue);
        if (now - last < RedialAfter || !_lastCandidateDial.TryUpdate(key, now, last))
            return;
        Track(DialCandidateAsync(id, address, source));
    }

    private async Task DialCandidateAsync(PeerId id, PeerKey address, PeerSource source)
    {
        var result = await DialAsync(address, id, _stopping.Token, source).ConfigureAwait(false);
        if (result.Session is null)
            _log.LogDebug("Candidate {PeerId} at {Address} ({Source}) not reached: {Error}", id.Short, address, source, result.Error);
    }

    private async Task StopDiscoveryAsync()
    {
        if (_discovery is not null)
            await _discovery.DisposeAsync().ConfigureAwait(false);
    }
}
