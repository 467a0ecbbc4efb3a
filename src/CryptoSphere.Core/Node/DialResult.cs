using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Node;

/// <summary>How an attempt to reach an address over the secure protocol ended.</summary>
internal sealed record DialResult(SecureSession? Session, string? Error, bool MayFallBackToLegacy)
{
    public static DialResult Connected(SecureSession session) => new(session, null, false);
    public static DialResult Failed(string error) => new(null, error, false);
    public static DialResult NotSecure(string error) => new(null, error, true);
}
