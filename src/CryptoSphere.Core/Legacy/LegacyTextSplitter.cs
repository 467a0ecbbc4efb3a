using System.Text;

namespace CryptoSphere.Core.Legacy;

/// <summary>
/// Cuts a text into legacy chat messages that each fit the original receiver's single
/// <c>recv(1024)</c>: longer messages would be truncated there without a word. Cuts fall on line
/// boundaries where a line fits, else between whole characters (never inside a UTF-8 sequence
/// or a surrogate pair).
/// </summary>
internal static class LegacyTextSplitter
{
    /// <summary>What the original reads per connection.</summary>
    public const int OriginalReadSize = 1024;

    public static IReadOnlyList<string> Split(string text, int budgetBytes)
    {
        if (budgetBytes < 1 || Encoding.UTF8.GetByteCount(text) <= budgetBytes)
            return [text];
        var parts = new List<string>();
        var current = new StringBuilder();
        var currentBytes = 0;
        foreach (var line in SplitKeepingNewlines(text))
        {
            var lineBytes = Encoding.UTF8.GetByteCount(line);
            if (currentBytes + lineBytes <= budgetBytes)
            {
                current.Append(line);
                currentBytes += lineBytes;
                continue;
            }
            Flush(parts, current, ref currentBytes);
            if (lineBytes <= budgetBytes)
            {
                current.Append(line);
                currentBytes = lineBytes;
                continue;
            }
            foreach (var piece in CutByCharacters(line, budgetBytes))
                parts.Add(piece);
        }
        Flush(parts, current, ref currentBytes);
        return parts;
    }

    /// <summary>The bytes left for the text once the header and the end marker of this sender are written.</summary>
    public static int TextBudget(string senderIp, int senderPort, string team) =>
        OriginalReadSize - LegacyCodec.EncodeChat(senderIp, senderPort, team, "").Length;

    // Each part is a message of its own: the newline that ended it is implied by the message boundary.
    private static void Flush(List<string> parts, StringBuilder current, ref int currentBytes)
    {
        if (current.Length == 0)
            return;
        var part = current.ToString();
        part = part.EndsWith('\n') ? part[..^1] : part;
        if (part.Length > 0)
            parts.Add(part);
        current.Clear();
        currentBytes = 0;
    }

    private static IEnumerable<string> SplitKeepingNewlines(string text)
    {
        var start = 0;
        while (start < text.Length)
        {
            var newline = text.IndexOf('\n', start);
            var end = newline < 0 ? text.Length : newline + 1;
            yield return text[start..end];
            start = end;
        }
    }

    private static IEnumerable<string> CutByCharacters(string line, int budgetBytes)
    {
        var piece = new StringBuilder();
        var pieceBytes = 0;
        foreach (var rune in line.EnumerateRunes())
        {
            var runeBytes = rune.Utf8SequenceLength;
            if (pieceBytes + runeBytes > budgetBytes && piece.Length > 0)
            {
                yield return piece.ToString();
                piece.Clear();
                pieceBytes = 0;
            }
            piece.Append(rune.ToString());
            pieceBytes += runeBytes;
        }
        // The line's newline may be all that is left: the message boundary stands for it, as in Flush.
        var last = piece.ToString();
        last = last.EndsWith('\n') ? last[..^1] : last;
        if (last.Length > 0)
            yield return last;
    }
}
