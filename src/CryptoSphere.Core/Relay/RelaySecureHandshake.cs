using System.Net.Security;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// Our TLS 1.3 mutual authentication, end to end through a relay session: the relay forwards ciphertext only,
/// and the peer ID comes from the certificate the other side proves, never from the relay's invitation.
/// </summary>
internal static class RelaySecureHandshake
{
    /// <param name="expected">The peer we asked the relay for; a different proven ID throws <see cref="PeerIdMismatchException"/>.</param>
    public static async Task<(SslStream Stream, PeerId Remote)> RunAsync(
        RelaySession session, NodeIdentity identity, PeerId? expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!session.IsTlsServer)
            return await TlsHandshake.ConnectAsync(session.Stream, identity, expected, timeout, cancellationToken).ConfigureAwait(false);
        var (stream, remote) = await TlsHandshake.AcceptAsync(session.Stream, identity, timeout, cancellationToken).ConfigureAwait(false);
        if (expected is { } wanted && wanted != remote)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new PeerIdMismatchException(wanted, remote);
        }
        return (stream, remote);
    }
}
