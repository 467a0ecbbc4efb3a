using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Sessions;

/// <summary>How an attempt to reach an address over the secure protocol ended.</summary>
internal sealed record DialResult(SecureSession? Session, string? Error, bool MayFallBackToLegacy, bool Unreachable)
{
    public static DialResult Connected(SecureSession session) => new(session, null, false, false);

    /// <summary>Refused for a reason a retry will not fix (wrong ID, blocked, bad version).</summary>
    public static DialResult Failed(string error) => new(null, error, false, false);

    /// <summary>Nothing answered: worth another try later.</summary>
    public static DialResult NoAnswer(string error) => new(null, error, false, true);

    /// <summary>Another peer answers at the address: the one wanted is not there (now).</summary>
    public static DialResult NotThePeer(string error) => new(null, error, false, false) { WrongPeer = true };

    public bool WrongPeer { get; init; }

    public static DialResult NotSecure(string error) => new(null, error, true, false);

    /// <summary>An old peer's connection, still open and unwritten: its legacy message goes on it.</summary>
    public System.Net.Sockets.Socket? Silent { get; init; }
}
