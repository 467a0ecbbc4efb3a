using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CryptoSphere.Core.Identity;

/// <summary>
/// A node's identity as others see it: SHA-256 of its certificate's SubjectPublicKeyInfo, in base32
/// (52 characters) grouped by seven for reading, like Syncthing's device IDs.
/// </summary>
public readonly record struct PeerId : ISpanFormattable
{
    private const int GroupSize = 7;

    private PeerId(string value) => Value = value;

    /// <summary>The 52 base32 characters, ungrouped.</summary>
    public string Value { get; }

    /// <summary>The first group, for lists.</summary>
    public string Short => Value[..GroupSize];

    public static PeerId FromCertificate(X509Certificate2 certificate) =>
        FromPublicKeyInfo(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    public static PeerId FromPublicKeyInfo(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        new(Base32.Encode(SHA256.HashData(subjectPublicKeyInfo)));

    /// <summary>Accepts the grouped or ungrouped form, any case, with dashes or spaces.</summary>
    public static bool TryParse(string? text, out PeerId id)
    {
        id = default;
        if (text is null)
            return false;
        var compact = Normalize(text);
        if (compact.Length != 52 || compact.Any(c => !(c is >= 'A' and <= 'Z' or >= '2' and <= '7')) || !IsCanonical(compact))
            return false;
        id = new PeerId(compact);
        return true;
    }

    /// <summary>
    /// The characters an ID ends with. 52 characters carry 260 bits for a 256-bit hash: the last character's low 4 bits
    /// are always zero. Accepting others would let a one-character typo name a second "peer" that no key ever matches
    /// (trusting or blocking it would then change nothing for the peer the user meant).
    /// </summary>
    public const string Ends = "AQ";

    private static bool IsCanonical(string compact) => Ends.Contains(compact[^1]);

    /// <summary>A whole ID's length and alphabet, and no ID only because of its last character: a typo there.</summary>
    public static bool IsMistypedAtTheEnd(string text)
    {
        var compact = Normalize(text);
        return compact.Length == 52 && !TryParse(compact, out _) && TryParse(compact[..51] + Ends[0], out _);
    }

    /// <summary>Upper case without separators: the form used to match prefixes.</summary>
    public static string Normalize(string text) =>
        new(text.Where(c => c != '-' && !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray());

    /// <summary>The grouped form ("ABCDEFG-HIJKLMN-..."). Written in one pass: every event line that names a peer (one per
    /// message delivered and received) formats it, and chunking it through LINQ was about a twentieth of a sending node's CPU.</summary>
    public override string ToString()
    {
        var value = Value ?? "";
        return value.Length == 0 ? "" : string.Create(GroupedLength(value), value, static (span, text) => Group(text, span));
    }

    /// <summary>Characters of the grouped form; an event line writes it from the stack (<see cref="TryFormat"/>).</summary>
    public const int MaxGroupedLength = 52 + 52 / GroupSize;

    /// <summary>The grouped form into <paramref name="destination"/>, without a string; false when it does not fit.</summary>
    public bool TryFormat(Span<char> destination, out int written)
    {
        var value = Value ?? "";
        written = GroupedLength(value);
        if (destination.Length < written)
            return false;
        Group(value, destination);
        return true;
    }

    // The grouped form whatever the format: there is only one.
    bool ISpanFormattable.TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(destination, out charsWritten);

    string IFormattable.ToString(string? format, IFormatProvider? formatProvider) => ToString();

    private static int GroupedLength(string value) => value.Length == 0 ? 0 : value.Length + (value.Length + GroupSize - 1) / GroupSize - 1;

    private static void Group(string text, Span<char> span)
    {
        var at = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (i > 0 && i % GroupSize == 0)
                span[at++] = '-';
            span[at++] = text[i];
        }
    }
}
