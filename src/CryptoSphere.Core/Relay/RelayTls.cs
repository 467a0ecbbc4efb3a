using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// Opens a protocol-mode connection: TLS (ALPN "bep-relay") with the node's own certificate, so the relay knows
/// us by the device ID of that certificate; the relay's certificate must hash to the id in its URL.
/// </summary>
internal static class RelayTls
{
    public const string Alpn = "bep-relay";

    public static async Task<(SslStream Stream, IPAddress RelayAddress)> ConnectAsync(
        RelayUrl relay, NodeIdentity identity, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var client = new TcpClient { NoDelay = true };
        SslStream? ssl = null;
        try
        {
            await client.ConnectAsync(relay.Host, relay.Port, deadline.Token).ConfigureAwait(false);
            var remote = ((IPEndPoint)client.Client.RemoteEndPoint!).Address;
            ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            SyncthingDeviceId? seen = null;
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = relay.Host,
                ClientCertificateContext = identity.TlsContext,
                ApplicationProtocols = [new SslApplicationProtocol(Alpn)],
                // strelaysrv speaks TLS 1.2 and 1.3; 1.3 when both can.
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // The relay's certificate is self-signed: its hash, pinned by the URL, is the whole check.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                        return false;
                    seen = SyncthingDeviceId.FromCertificateDer(certificate.GetRawCertData());
                    return seen == relay.RelayId;
                },
            };
            try
            {
                await ssl.AuthenticateAsClientAsync(options, deadline.Token).ConfigureAwait(false);
            }
            catch (AuthenticationException) when (seen is { } other && other != relay.RelayId)
            {
                throw new RelayIdentityException(relay, other);
            }
            if (ssl.NegotiatedApplicationProtocol != new SslApplicationProtocol(Alpn))
                throw new Protocol.RelayProtocolException($"{relay.Host}:{relay.Port} did not agree to the relay protocol (ALPN {Alpn})");
            return (ssl, remote);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Dispose(ssl, client);
            throw new TimeoutException($"relay {relay.Host}:{relay.Port} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch
        {
            Dispose(ssl, client);
            throw;
        }
    }

    private static void Dispose(SslStream? ssl, TcpClient client)
    {
        ssl?.Dispose();
        client.Dispose();
    }
}
