namespace CryptoSphere.Core.Identity;

/// <summary>
/// Syncthing's check character for one 13-character group of a device ID: a Luhn-like sum over the base32
/// code points (not the textbook Luhn mod N), so a mistyped ID is caught before anything is dialled.
/// </summary>
internal static class Luhn32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static char CheckCharacter(ReadOnlySpan<char> group)
    {
        var sum = 0;
        var factor = 1;
        foreach (var c in group)
        {
            var codePoint = Alphabet.IndexOf(c);
            if (codePoint < 0)
                throw new ArgumentException($"'{c}' is not a base32 character", nameof(group));
            var addend = factor * codePoint;
            factor = factor == 2 ? 1 : 2;
            sum += addend / 32 + addend % 32;
        }
        return Alphabet[(32 - sum % 32) % 32];
    }
}
