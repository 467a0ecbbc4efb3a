using System.Globalization;

namespace CryptoSphere.Bench;

/// <summary>"--name value" and "--flag" options; every option given must be used by the command.</summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public bool IsEmpty => _values.Count == 0;

    public static BenchArgs Parse(ReadOnlySpan<string> args)
    {
        var parsed = new BenchArgs();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new ArgumentException($"unexpected argument '{arg}'");
            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0)
                (name, value) = (name[..eq], name[(eq + 1)..]);
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                value = args[++i];
            if (!parsed._values.TryAdd(name, value))
                throw new ArgumentException($"--{name} given twice");
        }
        return parsed;
    }

    public bool Flag(string name)
    {
        if (!_values.TryGetValue(name, out var value))
            return false;
        _used.Add(name);
        return value is null ? true : throw new ArgumentException($"--{name} takes no value");
    }

    public string? String(string name) => Raw(name);

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue) =>
        Raw(name) is { } text ? ParseInt(name, text, min, max) : fallback;

    public double Double(string name, double fallback, double min)
    {
        if (Raw(name) is not { } text)
            return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new ArgumentException($"--{name} expects a number >= {min}, not '{text}'");
        return value;
    }

    public int[] IntList(string name, int[] fallback, int min, int max) =>
        Raw(name) is { } text
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => ParseInt(name, t, min, max)).ToArray() is { Length: > 0 } list
                ? list
                : throw new ArgumentException($"--{name} expects a comma-separated list")
            : fallback;

    public void RejectUnused()
    {
        var unused = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unused.Count > 0)
            throw new ArgumentException($"unknown option(s) for this command: {string.Join(", ", unused.Select(u => "--" + u))}");
    }

    private string? Raw(string name)
    {
        if (!_values.TryGetValue(name, out var value))
            return null;
        _used.Add(name);
        return value ?? throw new ArgumentException($"--{name} needs a value");
    }

    private static int ParseInt(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"--{name} expects an integer in {min}..{max}, not '{text}'");
}
