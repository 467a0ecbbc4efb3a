using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Trust;

/// <summary>The words every interface shows for trust, so the terminal and the web page say the same.</summary>
public static class TrustLabels
{
    /// <summary>What a legacy (plaintext) peer always is.</summary>
    public const string Unencrypted = "unencrypted";

    public const string UnencryptedUnverified = "unencrypted, unverified";

    public static string Of(TrustState state) => state switch
    {
        TrustState.Trusted => "verified",
        TrustState.Blocked => "blocked",
        _ => "unverified",
    };

    /// <summary>"unencrypted, unverified" for legacy; the short ID and whether the user verified it for secure.</summary>
    public static string Security(PeerId? id, TrustStore? trust) => id is { } known
        ? $"{known.Short}, {Of(trust?.StateOf(known) ?? TrustState.Unknown)}"
        : UnencryptedUnverified;
}
