using System.Text;

namespace CryptoSphere.Core.Legacy;

/// <summary>
/// Team names in the legacy protocol, both ways. A received one is a claim anyone can forge, with no bound of its own:
/// shown whole, "Alice (10.0.0.5:5000) [PKNL7E3, trusted]: hi" and 200 spaces made a plaintext line read as a trusted
/// secure peer's, its real "[unencrypted, unverified]" pushed off the screen. So it is tidied when it arrives, before it is
/// stored or shown: runs of whitespace become one space, the ends are trimmed, and it is cut to <see cref="MaxLength"/>.
/// A sent one must not break the header it goes in: a newline or '&gt;' in it would end the name early and let text
/// that follows pass for the message, or a fake &lt;end&gt;.
/// </summary>
public static class LegacyNames
{
    /// <summary>The most characters (Unicode scalars) of an old peer's name kept, the ellipsis included.</summary>
    public const int MaxLength = 48;

    public const string Ellipsis = "\u2026";

    /// <summary>Whitespace runs collapsed to one space, trimmed, and cut to <see cref="MaxLength"/> with an ellipsis. Idempotent.</summary>
    public static string Tidy(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "";
        var collapsed = new StringBuilder(Math.Min(name.Length, 4 * MaxLength));
        var runes = 0;
        var space = false;
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                space = collapsed.Length > 0;
                continue;
            }
            if (space)
            {
                collapsed.Append(' ');
                runes++;
                space = false;
            }
            collapsed.Append(rune.ToString());
            // One past the bound is enough to know it must be cut; the rest of a 64 KiB name is not copied.
            if (++runes > MaxLength)
                break;
        }
        return runes <= MaxLength ? collapsed.ToString() : Cut(collapsed.ToString());
    }

    private static string Cut(string longer)
    {
        var kept = new StringBuilder(longer.Length);
        var count = 0;
        foreach (var rune in longer.EnumerateRunes())
        {
            if (++count >= MaxLength)
                break;
            kept.Append(rune.ToString());
        }
        return kept.ToString().TrimEnd() + Ellipsis;
    }

    /// <summary>
    /// This node's name as written in a legacy header: line breaks and other controls become spaces and '&lt;'/'&gt;' their
    /// look-alike quotation marks, so the name can neither end the header line nor its own brackets. The command line
    /// refuses such a name already (see <see cref="Peers.OwnName"/>); this is the last guard for any other caller.
    /// </summary>
    public static string ForHeader(string name)
    {
        if (!name.Any(c => char.IsControl(c) || c is '<' or '>'))
            return name;
        var safe = new StringBuilder(name.Length);
        foreach (var c in name)
            safe.Append(char.IsControl(c) ? ' ' : c switch { '<' => '\u2039', '>' => '\u203a', _ => c });
        return safe.ToString();
    }
}
