using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Secure;

/// <summary>
/// TLS 1.3 with both sides presenting self-signed certificates. No CA is consulted: each side learns the
/// other's <see cref="PeerId"/> from its public key, and the caller decides whether that ID is welcome.
/// </summary>
internal static class TlsHandshake
{
    public static async Task<(SslStream Stream, PeerId Remote)> AcceptAsync(
        Stream inner, NodeIdentity identity, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        PeerId? remote = null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = identity.TlsContext,
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => Capture(certificate, ref remote),
        };
        using (var limit = Linked(timeout, cancellationToken))
            await AuthenticateAsync(ssl, s => s.AuthenticateAsServerAsync(options, limit.Token), timeout).ConfigureAwait(false);
        TlsBufferRelease.TryApply(ssl);
        return (ssl, remote ?? throw new AuthenticationException("the client presented no certificate"));
    }

    public static async Task<(SslStream Stream, PeerId Remote)> ConnectAsync(
        Stream inner, NodeIdentity identity, PeerId? expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // A listener greets a client whose ClientHello is slow to leave a loaded machine; TLS must not see that.
        var ssl = new SslStream(new Sessions.GreetingSkippingStream(inner), leaveInnerStreamOpen: false);
        PeerId? remote = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "cryptosphere",
            ClientCertificateContext = identity.TlsContext,
            EnabledSslProtocols = SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            // The ID is checked after the handshake so a mismatch can name both IDs.
            RemoteCertificateValidationCallback = (_, certificate, _, _) => Capture(certificate, ref remote),
        };
        using (var limit = Linked(timeout, cancellationToken))
            await AuthenticateAsync(ssl, s => s.AuthenticateAsClientAsync(options, limit.Token), timeout).ConfigureAwait(false);
        var actual = remote ?? throw new AuthenticationException("the server presented no certificate");
        if (expected is { } wanted && wanted != actual)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new PeerIdMismatchException(wanted, actual);
        }
        TlsBufferRelease.TryApply(ssl);
        return (ssl, actual);
    }

    private static bool Capture(X509Certificate? certificate, ref PeerId? remote)
    {
        if (certificate is null)
            return false;
        using var cert = new X509Certificate2(certificate);
        remote = PeerId.FromCertificate(cert);
        return true;
    }

    // Disposed after the handshake: until then it stays registered with the caller's token (the node's, which lives as
    // long as the node), so every handshake would leave a registration and a source behind.
    private static CancellationTokenSource Linked(TimeSpan timeout, CancellationToken token)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(timeout);
        return cts;
    }

    private static async Task AuthenticateAsync(SslStream ssl, Func<SslStream, Task> authenticate, TimeSpan timeout)
    {
        try
        {
            await authenticate(ssl).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"TLS handshake did not finish within {timeout.TotalSeconds:0.#} s", e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
