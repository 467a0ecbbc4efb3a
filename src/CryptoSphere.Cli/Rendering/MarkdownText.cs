namespace CryptoSphere.Cli.Rendering;

/// <summary>
/// Text for a Markdown file that a viewer shows as text, never as markup. Names and messages come from peers: written
/// raw, "&lt;img onerror=...&gt;", "&lt;script&gt;" or "[Verify your ID](http://evil.example)" became live HTML and links,
/// in headings too. A code span is the one construct in which CommonMark and GitHub's dialect interpret nothing (no HTML,
/// no links, no autolinked URLs, no emphasis), so every line from the store goes into one.
/// </summary>
internal static class MarkdownText
{
    /// <summary>
    /// <paramref name="line"/> (one line, no line break) as a code span: delimited by one backtick more than its longest run
    /// of backticks, and padded with a space on each side when it has backticks or spaces at its ends, which CommonMark
    /// strips once.
    /// </summary>
    public static string Code(string line)
    {
        if (line.Length == 0)
            return "";
        var fence = new string('`', LongestBacktickRun(line) + 1);
        var pad = line.Contains('`') || line[0] == ' ' || line[^1] == ' ' ? " " : "";
        return fence + pad + line + pad + fence;
    }

    /// <summary>
    /// A multi-line text (continuation lines as <see cref="TerminalText.Lines"/> makes them) inside a list item: one code
    /// span a line, joined by hard line breaks (a trailing backslash) and indented under the item.
    /// </summary>
    public static string CodeLines(string text) =>
        string.Join("\\\n  ", text.Split('\n').Select(Code));

    private static int LongestBacktickRun(string line)
    {
        int longest = 0, run = 0;
        foreach (var c in line)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return longest;
    }
}
