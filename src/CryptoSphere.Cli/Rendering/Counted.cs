using System.Globalization;

namespace CryptoSphere.Cli.Rendering;

/// <summary>"1 message", "2 messages": a count with its noun, never "1 messages" or "message(s)".</summary>
internal static class Counted
{
    public static string Of(long count, string singular, string? plural = null) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? singular : plural ?? singular + "s");
}
