using System.Globalization;
using System.Text;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Peers;

/// <summary>
/// The rules for this node's own display name, one set for every place it is chosen (--name, the menu's prompt): it is
/// sent to every peer, and written into the legacy header "&lt;ip:port&gt; @ &lt;name&gt;\n", where a newline or a '&gt;'
/// would end it early and let the rest pass for the message text (a fake &lt;end&gt;, another header).
/// </summary>
public static class OwnName
{
    /// <summary>Why <paramref name="name"/> cannot be used, or null when it can.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return "the name cannot be empty";
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                return "the name cannot contain control characters (line breaks, tabs, escapes)";
            if (rune.Value is '<' or '>')
                return "the name cannot contain '<' or '>' (they end the name in an old peer's message header)";
        }
        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > HelloMessage.MaxNameBytes
            ? $"the name is at most {HelloMessage.MaxNameBytes} bytes of UTF-8 (this one is {bytes})"
            : null;
    }
}
