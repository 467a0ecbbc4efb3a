using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace CryptoSphere.Core.Secure;

/// <summary>
/// Puts an authenticated connection in OpenSSL's SSL_MODE_RELEASE_BUFFERS (as nginx and Python's ssl module do):
/// OpenSSL then frees its read and write record buffers (about 17 KiB each) whenever they are empty and takes them
/// again for the next record, instead of holding both for the connection's whole life. An idle connection was
/// 34 KiB of native memory heavier without it. .NET has no switch for the mode, so the connection's SSL handle is
/// taken from SslStream's private field; if that is not what .NET 10 has there (another runtime, or not OpenSSL
/// 3), nothing is done and OpenSSL keeps its default. Sending and receiving are unchanged either way.
/// </summary>
internal static class TlsBufferRelease
{
    private const int SslCtrlMode = 33; // SSL_CTRL_MODE
    private const nint SslModeReleaseBuffers = 0x10; // SSL_MODE_RELEASE_BUFFERS
    private const int Tls13Version = 0x0304; // TLS1_3_VERSION
    private const string LibSsl = "libssl.so.3";

    // Only when the SSL handle's type is the one checked here and .NET itself loaded OpenSSL 3 (this never loads it).
    // Looked up at the first use, which follows a handshake: OpenSSL is loaded by then.
    private static readonly Lazy<FieldInfo?> Context = new(Find);

    /// <summary>Call once, right after the handshake and before the stream is read or written; false when not applied.</summary>
    public static bool TryApply(SslStream stream) => Mode(stream, SslModeReleaseBuffers) is { } mode && (mode & SslModeReleaseBuffers) != 0;

    /// <summary>True when the connection is in the mode (<see cref="TryApply"/> took).</summary>
    public static bool IsApplied(SslStream stream) => Mode(stream, 0) is { } mode && (mode & SslModeReleaseBuffers) != 0;

    // SSL_CTRL_MODE adds the bits given (none: reads) and returns the mode; null when the handle is not usable here.
    private static nint? Mode(SslStream stream, nint add)
    {
        if (Context.Value?.GetValue(stream) is not SafeHandle handle || handle.IsInvalid || stream.SslProtocol != SslProtocols.Tls13)
            return null;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var ssl = handle.DangerousGetHandle();
            // The handle must be an SSL* of this libssl: the version it negotiated is the one the stream reports.
            if (SslVersion(ssl) != Tls13Version)
                return null;
            return SslCtrl(ssl, SslCtrlMode, add, 0);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    private static FieldInfo? Find()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        var field = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field?.FieldType.FullName != "System.Net.Security.SafeDeleteSslContext" || !typeof(SafeHandle).IsAssignableFrom(field.FieldType))
            return null;
        return OpenSsl3Loaded() ? field : null;
    }

    private static bool OpenSsl3Loaded()
    {
        try
        {
            return File.ReadLines("/proc/self/maps").Any(l => l.EndsWith("/" + LibSsl, StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    // DllImport, not LibraryImport: these signatures need no marshalling, and Core stays free of unsafe code.
    [DllImport(LibSsl, EntryPoint = "SSL_ctrl", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint SslCtrl(nint ssl, int command, nint argument, nint pointer);

    [DllImport(LibSsl, EntryPoint = "SSL_version", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SslVersion(nint ssl);
}
