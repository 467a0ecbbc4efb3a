using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// Reaches a peer joined to a relay: a short protocol-mode connection carrying one ConnectRequest for the
/// peer's device ID, then the session the relay invites us to. The relay only pairs connections; who is at the
/// other end is for the caller's TLS handshake to prove.
/// </summary>
internal sealed class RelayDialer(NodeIdentity identity, TimeSpan timeout, ILogger? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger.Instance;

    // strelaysrv admits a session's second connection only while its session loop waits for one, and forgets
    // the key on first use: a join that loses that race ("already connected") needs a fresh session.
    private const int SessionAttempts = 3;

    public async Task<RelaySession> ConnectAsync(RelayUrl relay, SyncthingDeviceId peer, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ConnectOnceAsync(relay, peer, cancellationToken).ConfigureAwait(false);
            }
            catch (RelayRefusedException e) when (e.Code == RelayResponse.AlreadyConnected && attempt < SessionAttempts)
            {
                RelayLog.SessionRetried(_log, relay, peer.ToString());
            }
        }
    }

    private async Task<RelaySession> ConnectOnceAsync(RelayUrl relay, SyncthingDeviceId peer, CancellationToken cancellationToken)
    {
        RelayLog.SessionRequested(_log, relay, peer.ToString());
        var (tls, relayAddress) = await RelayTls.ConnectAsync(relay, identity, timeout, cancellationToken).ConfigureAwait(false);
        SessionInvitation invitation;
        await using (tls.ConfigureAwait(false))
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await RelayMessageCodec.WriteAsync(tls, new ConnectRequest(peer), deadline.Token).ConfigureAwait(false);
                invitation = await RelayMessageCodec.ReadAsync(tls, deadline.Token).ConfigureAwait(false) switch
                {
                    SessionInvitation received => received,
                    RelayResponse refused => throw new RelayRefusedException(refused.Code, refused.Message),
                    var other => throw new RelayProtocolException($"expected a session invitation, got {other.Type}"),
                };
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"relay {relay.Host}:{relay.Port} gave no invitation within {timeout.TotalSeconds:0.#} s");
            }
        }
        return await RelaySessionJoiner.JoinAsync(invitation, relay, relayAddress, timeout, cancellationToken).ConfigureAwait(false);
    }
}
