using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CryptoSphere.Core.Identity;

/// <summary>
/// The node's ECDSA P-256 key and self-signed certificate. Peers know the node by the hash of its
/// public key (<see cref="PeerId"/>), so the certificate's names and dates carry no trust.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    public const string FileName = "identity.pem";

    private NodeIdentity(X509Certificate2 certificate)
    {
        Certificate = certificate;
        Id = PeerId.FromCertificate(certificate);
    }

    /// <summary>The certificate with its private key, for TLS. Never log it.</summary>
    public X509Certificate2 Certificate { get; }

    public PeerId Id { get; }

    private System.Net.Security.SslStreamCertificateContext? _tlsContext;

    /// <summary>Built once and shared by every connection: building it per handshake costs time and memory.</summary>
    internal System.Net.Security.SslStreamCertificateContext TlsContext =>
        _tlsContext ??= System.Net.Security.SslStreamCertificateContext.Create(Certificate, null, offline: true);

    /// <summary>A new identity held in memory only (tests, one-off sends).</summary>
    public static NodeIdentity CreateEphemeral() => new(CreateCertificate());

    /// <summary>Loads the identity from <paramref name="dataDirectory"/>, creating it on first start.</summary>
    public static NodeIdentity LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
            return Load(path);
        Storage.OwnerOnly.CreateDirectory(dataDirectory);
        var certificate = CreateCertificate();
        Save(certificate, path);
        return new NodeIdentity(certificate);
    }

    private static NodeIdentity Load(string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"cannot read the identity file {path}: {e.Message}", e);
        }
        X509Certificate2? fromPem = null;
        try
        {
            fromPem = X509Certificate2.CreateFromPem(pem, pem);
            using (var publicKey = fromPem.GetECDsaPublicKey())
            {
                if (publicKey is null)
                {
                    fromPem.Dispose();
                    throw new IdentityException($"the identity file {path} does not hold an ECDSA key");
                }
            }
            return new NodeIdentity(ForTls(fromPem));
        }
        // A certificate with someone else's key is an ArgumentException, not a CryptographicException.
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            fromPem?.Dispose();
            // Deliberately not e.Message alone: it may quote parts of the file.
            throw new IdentityException(
                $"the identity file {path} is damaged or not a CryptoSphere identity ({e.GetType().Name}); " +
                "it was left untouched. Restore it from a backup, or move it away to create a new identity " +
                "(peers will then see a new ID).", e);
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=CryptoSphere node", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var now = DateTimeOffset.UtcNow;
        return ForTls(request.CreateSelfSigned(now.AddDays(-1), now.AddYears(100)));
    }

    /// <summary>
    /// The certificate with a key SslStream can use: on Linux (OpenSSL) the one given, as it is; elsewhere a PKCS#12
    /// round trip, since Windows' TLS refuses a key that only lives in memory. The round trip costs about 30 ms of
    /// CPU, a tenth of a one-shot command, so it is only paid where it is needed. Takes ownership of the one given.
    /// </summary>
    private static X509Certificate2 ForTls(X509Certificate2 certificate)
    {
        if (OperatingSystem.IsLinux())
            return certificate;
        using (certificate)
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    private static void Save(X509Certificate2 certificate, string path)
    {
        using var key = certificate.GetECDsaPrivateKey()!;
        OwnerOnlyFile.CreateNew(path, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public override string ToString() => $"NodeIdentity {Id}";

    public void Dispose() => Certificate.Dispose();
}
