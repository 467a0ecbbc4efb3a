using System.Runtime.InteropServices;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// For a process whose only TLS is CryptoSphere's own, where a peer is known by the hash of its key and no
/// certificate authority is ever consulted (docs/protocol.md): .NET still builds an X509 chain for our certificate
/// and for the peer's, and on Linux the first build reads and parses the whole system CA store (/etc/ssl/certs,
/// about 150 files): some 70 ms of CPU, a fifth of a one-shot <c>send</c>, for a result nobody reads. Pointing the
/// store at nothing (OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR, read by .NET's native side, hence setenv) skips it.
/// Only for commands that reach nothing but CryptoSphere peers: a relay or discovery server over HTTPS needs the store.
/// </summary>
internal static partial class NoCertificateAuthorities
{
    /// <summary>Call before the first TLS connection; later calls change nothing (the store is loaded once).</summary>
    public static void ForThisProcess()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            _ = SetEnvironment("SSL_CERT_FILE", "", 1);
            _ = SetEnvironment("SSL_CERT_DIR", "", 1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without setenv under that name: the store is read as before, only slower.
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
