using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// While a peer is reached only through a relay, its direct addresses (the contact's last direct one, those the
/// discovery server lists) are dialled again with backoff: a relay costs latency and throughput, and a network
/// change (the peer came home, a port forward was opened) can make a direct connection possible. A direct session
/// replaces the relayed one as it registers (see <see cref="SessionRegistry"/>'s Register).
/// </summary>
internal sealed class DirectUpgrade
{
    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly SessionDialer _dialer;
    private readonly RelayReach _relay;
    private readonly ILogger _log;

    public DirectUpgrade(NodeRuntime node, SessionRegistry sessions, SessionDialer dialer, RelayReach relay)
    {
        _node = node;
        _sessions = sessions;
        _dialer = dialer;
        _relay = relay;
        _log = node.Logger<DirectUpgrade>();
        sessions.Opened += session =>
        {
            if (session.RelayedAddress is not null)
                _node.Work.Track(RetryDirectAsync(session));
        };
    }

    private async Task RetryDirectAsync(SecureSession relayed)
    {
        var id = relayed.RemoteId;
        var delay = _node.Options.DirectRetryInitialDelay;
        try
        {
            while (!_node.Work.IsStopping)
            {
                var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
                await Task.Delay(delay * jitter, _node.Clock, _node.Stopping).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _node.Options.DirectRetryMaxDelay.Ticks));
                // Done when this relayed session is no longer the peer's (gone, replaced; a new one has its own loop).
                if (_sessions.Find(id) != relayed)
                    return;
                foreach (var address in await CandidatesAsync(id).ConfigureAwait(false))
                {
                    var result = await _dialer.DialDirectOnlyAsync(address, id, _node.Stopping).ConfigureAwait(false);
                    if (result.Session is { RelayedAddress: null })
                        return;
                    SessionLog.DirectRetryFailed(_log, id.Short, address, result.Error, delay);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
    }

    private async Task<IReadOnlyList<PeerKey>> CandidatesAsync(PeerId id)
    {
        var candidates = new List<PeerKey>();
        if (PeerKey.TryParse(_node.Trust.Find(id)?.LastAddress, out var last, out _) && !RelayReach.IsRelayedKey(last))
            candidates.Add(last);
        candidates.AddRange(await _relay.DirectAddressesAsync(id, _node.Stopping).ConfigureAwait(false));
        return candidates.Distinct().ToList();
    }
}
