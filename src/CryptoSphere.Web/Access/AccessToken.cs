using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CryptoSphere.Web.Access;

/// <summary>
/// The secret that opens the web interface, new at every start. Whoever has it can read and send
/// as this node, so it is only ever printed to the console, never logged.
/// </summary>
internal sealed class AccessToken
{
    private readonly byte[] _expected;

    public AccessToken(string value)
    {
        Value = value;
        _expected = Encoding.UTF8.GetBytes(value);
    }

    public string Value { get; }

    /// <summary>32 random bytes, base64url: 43 characters that survive a URL unescaped.</summary>
    public static AccessToken Create() => new(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Constant-time comparison, so response timing does not reveal how much of a guess was right.</summary>
    public bool Matches(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || candidate.Length > 256)
            return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _expected);
    }

    // Guards against an accidental "{Token}" in a log message or exception text.
    public override string ToString() => "AccessToken(hidden)";
}
