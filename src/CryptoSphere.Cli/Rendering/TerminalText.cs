using System.Globalization;
using System.Text;

namespace CryptoSphere.Cli.Rendering;

/// <summary>
/// Makes text from the network safe to print on a terminal. A peer chooses its name, its messages, group
/// and file names; printed raw, an escape sequence could recolour or erase the real label, write the
/// clipboard (OSC 52) or retitle the window, a bidi override could reorder a line, and a newline could start
/// a line that looks like another sender's. So every control and invisible formatting character is shown
/// visibly, and a message's own lines are indented behind <see cref="Continuation"/>, which no line the
/// program writes ever starts with.
/// </summary>
internal static class TerminalText
{
    /// <summary>What starts each further line of one multi-line message.</summary>
    public const string Continuation = "  | ";

    /// <summary>A one-line field (a name, a group or file name, an address): newlines too are shown as symbols.</summary>
    public static string Safe(string? text) => Escape(text, keepLines: false);

    /// <summary>
    /// A message body, or a whole line about to be printed: the same escaping, except that a line break
    /// stays one and the next line is marked as a continuation. Idempotent, so a sink may apply it again.
    /// </summary>
    public static string Lines(string? text) => Escape(text, keepLines: true);

    private static string Escape(string? text, bool keepLines)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        if (IsPlain(text))
            return text;
        var safe = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (keepLines && (c == '\n' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')))
            {
                if (c == '\r')
                    i++;
                safe.Append('\n');
                if (!text.AsSpan(i + 1).StartsWith(Continuation, StringComparison.Ordinal))
                    safe.Append(Continuation);
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var rune = new Rune(c, text[i + 1]);
                if (IsHidden(rune))
                    safe.Append($"\\U{rune.Value:x8}");
                else
                    safe.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            safe.Append(Visible(c));
        }
        return safe.ToString();
    }

    private static bool IsPlain(string text)
    {
        foreach (var c in text)
        {
            if (c < 0x20 || c >= 0x7f)
                return false;
        }
        return true;
    }

    /// <summary>C0 controls become their Unicode control pictures (ESC as ␛), the rest a <c>\uXXXX</c> escape.</summary>
    private static string Visible(char c)
    {
        if (c < 0x20)
            return ((char)(0x2400 + c)).ToString();
        if (c == 0x7f)
            return "\u2421";
        if (char.IsSurrogate(c))
            return "\uFFFD";
        return IsHidden(new Rune(c)) ? $"\\u{(int)c:x4}" : c.ToString();
    }

    // Format characters include the bidi overrides and isolates (U+202A-202E, U+2066-2069), the marks
    // (U+200E/F, U+061C) and zero-width spaces; joiners stay, emoji sequences need them.
    public static bool IsHidden(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => true,
        UnicodeCategory.Format => rune.Value is not (0x200C or 0x200D),
        _ => false,
    };
}
