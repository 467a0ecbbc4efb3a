using System.Globalization;
using System.Text;

namespace CryptoSphere.Core.Files;

/// <summary>
/// Turns a file name from the network into one that is safe to create in the downloads folder: a single
/// path component, never <c>.</c> or <c>..</c>, no control or invisible formatting characters, no
/// characters or device names Windows refuses, and short enough for any file system.
/// </summary>
public static class SafeFileName
{
    public const string Fallback = "file";

    /// <summary>UTF-8 bytes kept: file systems allow 255, and a " (12)" suffix must still fit.</summary>
    public const int MaxBytes = 200;

    private const string WindowsInvalid = "<>:\"|?*";

    private static readonly HashSet<string> ReservedDevices = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    /// <summary>
    /// Why <paramref name="offered"/> cannot be the name a file is offered under (it must fit the offer), or null. The
    /// sender checks it, and so does the command line before it starts anything.
    /// </summary>
    public static string? OfferProblem(string offered) =>
        offered.Length == 0 || Encoding.UTF8.GetByteCount(offered) > Secure.Messages.FileOfferMessage.MaxNameBytes
            ? $"the file name must be 1 to {Secure.Messages.FileOfferMessage.MaxNameBytes} bytes of UTF-8"
            : null;

    public static string Sanitize(string? untrusted)
    {
        var name = untrusted ?? "";
        // Only the last component counts: "../../x", "/etc/passwd" and "C:\dir\x" lose their directories.
        var cut = name.LastIndexOfAny(['/', '\\']);
        if (cut >= 0)
            name = name[(cut + 1)..];

        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var category = char.GetUnicodeCategory(c);
            if (category == UnicodeCategory.Format)
                continue; // bidi overrides and zero-width characters disguise an extension ("invoice\u202Efdp.exe")
            if (char.IsControl(c) || category is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator ||
                WindowsInvalid.Contains(c))
                builder.Append('_');
            else
                builder.Append(c);
        }

        // Leading dots would hide the file (and "..." is no name); Windows drops trailing dots and spaces.
        name = builder.ToString().Trim(' ').TrimStart('.').TrimEnd('.', ' ');
        if (name.Length == 0)
            return Fallback;
        if (IsReservedDevice(name))
            name = "_" + name;
        return Shorten(name);
    }

    /// <summary>Windows device names stay devices with any extension: "con", "CON.txt", "lpt1 .log".</summary>
    private static bool IsReservedDevice(string name)
    {
        var dot = name.IndexOf('.');
        var stem = (dot >= 0 ? name[..dot] : name).TrimEnd(' ');
        return ReservedDevices.Contains(stem);
    }

    /// <summary>Cuts to <see cref="MaxBytes"/> on a character boundary, keeping a short extension.</summary>
    private static string Shorten(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxBytes)
            return name;
        var dot = name.LastIndexOf('.');
        var extension = dot > 0 && name.Length - dot <= 16 ? name[dot..] : "";
        var stem = extension.Length > 0 ? name[..dot] : name;
        var budget = MaxBytes - Encoding.UTF8.GetByteCount(extension);
        var end = stem.Length;
        while (end > 0 && Encoding.UTF8.GetByteCount(stem.AsSpan(0, end)) > budget)
            end--;
        if (end > 0 && char.IsHighSurrogate(stem[end - 1]))
            end--;
        var shortened = stem[..end].TrimEnd('.', ' ') + extension;
        return shortened.Length == 0 ? Fallback : shortened;
    }
}
