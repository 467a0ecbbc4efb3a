using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CryptoSphere.Cli.Rendering;

/// <summary>
/// JSON as the commands print it: readable (no <c>\u002B</c> for a time zone's plus sign), yet with every
/// control, bidi and invisible character escaped, since the relaxed encoder leaves bidi overrides raw and
/// JSON is read on terminals too.
/// </summary>
internal static class CliJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(JsonNode node) => EscapeHidden(node.ToJsonString(Indented));

    /// <summary>
    /// Escapes what <see cref="TerminalText"/> would show as a symbol. Safe on any serialized JSON: such
    /// characters can only occur inside strings, where <c>\uXXXX</c> means the same character.
    /// </summary>
    public static string EscapeHidden(string json)
    {
        // Printable ASCII only (almost every event line): nothing can be hidden, and one vectorized scan says so.
        if (!json.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7e))
            return json;
        StringBuilder? escaped = null;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            var length = char.IsHighSurrogate(c) && i + 1 < json.Length && char.IsLowSurrogate(json[i + 1]) ? 2 : 1;
            var hidden = c >= 0x7f && Rune.TryGetRuneAt(json, i, out var rune) && TerminalText.IsHidden(rune);
            if (!hidden)
            {
                escaped?.Append(json, i, length);
                i += length - 1;
                continue;
            }
            escaped ??= new StringBuilder(json, 0, i, json.Length + 16);
            for (var k = 0; k < length; k++)
                escaped.Append($"\\u{(int)json[i + k]:X4}");
            i += length - 1;
        }
        return escaped?.ToString() ?? json;
    }
}
