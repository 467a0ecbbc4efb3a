using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CryptoSphere.Core.Identity;

/// <summary>
/// A node's ID as Syncthing's relay and discovery servers know it: SHA-256 of the whole certificate (DER),
/// written as 52 base32 characters plus one check character per 13, in groups of seven
/// (e.g. <c>P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2</c>).
/// </summary>
/// <remarks>
/// Our own <see cref="PeerId"/> hashes only the public key, so the two cannot be computed from each other:
/// the device ID is learnt from a certificate seen in a TLS handshake and stored next to the peer ID.
/// It stays stable only as long as the certificate does (identity.pem keeps it across restarts).
/// </remarks>
public readonly record struct SyncthingDeviceId
{
    public const int Length = 32;
    private const int GroupSize = 7;
    private const int LuhnGroup = 13;

    private readonly byte[]? _bytes;

    private SyncthingDeviceId(byte[] bytes) => _bytes = bytes;

    /// <summary>The 32 hash bytes, as sent in relay messages.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ?? new byte[Length];

    public static SyncthingDeviceId FromCertificate(X509Certificate2 certificate) => FromCertificateDer(certificate.RawData);

    public static SyncthingDeviceId FromCertificateDer(ReadOnlySpan<byte> der) => new(SHA256.HashData(der));

    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, out SyncthingDeviceId id)
    {
        id = default;
        if (bytes.Length != Length)
            return false;
        id = new SyncthingDeviceId(bytes.ToArray());
        return true;
    }

    /// <summary>
    /// Accepts the 56-character form (check characters verified) or the older 52-character one, any case,
    /// with dashes or spaces, and with 0/1/8 typed for O/I/B as Syncthing does.
    /// </summary>
    public static bool TryParse(string? text, out SyncthingDeviceId id)
    {
        id = default;
        if (text is null)
            return false;
        var compact = new string(text.Where(c => c != '-' && c != '=' && !char.IsWhiteSpace(c))
            .Select(char.ToUpperInvariant)
            .Select(c => c switch { '0' => 'O', '1' => 'I', '8' => 'B', _ => c })
            .ToArray());
        if (compact.Any(c => !(c is >= 'A' and <= 'Z' or >= '2' and <= '7')))
            return false;
        if (compact.Length == 56)
        {
            var plain = new System.Text.StringBuilder(52);
            for (var i = 0; i < 4; i++)
            {
                var group = compact.AsSpan(i * (LuhnGroup + 1), LuhnGroup);
                if (compact[i * (LuhnGroup + 1) + LuhnGroup] != Luhn32.CheckCharacter(group))
                    return false;
                plain.Append(group);
            }
            compact = plain.ToString();
        }
        if (compact.Length != 52 || Base32.Decode(compact) is not { Length: Length } bytes)
            return false;
        id = new SyncthingDeviceId(bytes);
        return true;
    }

    public static SyncthingDeviceId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException("not a Syncthing device ID (56 base32 characters with check characters)");

    public bool Equals(SyncthingDeviceId other) => Bytes.SequenceEqual(other.Bytes);

    public override int GetHashCode() => BitConverter.ToInt32(Bytes[..4]);

    public override string ToString()
    {
        var plain = Base32.Encode(Bytes);
        var withChecks = new System.Text.StringBuilder(56);
        for (var i = 0; i < 4; i++)
        {
            var group = plain.AsSpan(i * LuhnGroup, LuhnGroup);
            withChecks.Append(group).Append(Luhn32.CheckCharacter(group));
        }
        return string.Join('-', withChecks.ToString().Chunk(GroupSize).Select(g => new string(g)));
    }
}
