using System.CommandLine;
using System.CommandLine.Parsing;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// Checks on an option's value beyond its type: a range, an IP address. Each error is one line (worded as the rest by
/// <see cref="UsageErrors"/>), and the command does not run.
/// </summary>
/// <remarks>
/// A validator runs even when the text did not convert to the option's type (`--limit abc`), and asking for the value
/// then throws: that was a stack trace and exit 134. So a check first sees whether the value converted, and leaves a
/// text that did not to the parser's own error ("needs a whole number, not 'abc'").
/// </remarks>
internal static class OptionChecks
{
    public static void Require<T>(Option<T> option, Func<T, bool> valid, string error) =>
        option.Validators.Add(result =>
        {
            if (TryValue(result, out T value) && !valid(value))
                result.AddError(error);
        });

    public static void Positive(Option<int> option) => Require(option, v => v > 0, $"{option.Name} must be a positive number");

    /// <summary>An IP address, as written in legacy headers (not a host name: the header carries an address).</summary>
    public static void IpAddress(Option<string?> option) =>
        Require(option, v => v is null || System.Net.IPAddress.TryParse(v, out _), $"{option.Name} must be an IP address, like 192.168.1.20");

    /// <summary>
    /// This node's display name (<see cref="Core.Peers.OwnName"/>): checked as the menu's prompt checks it, as it is sent to
    /// every peer and written into an old peer's message header, where a newline or '&gt;' forged what followed.
    /// </summary>
    public static void DisplayName<T>(Option<T> option) where T : class? =>
        option.Validators.Add(result =>
        {
            if (TryValue(result, out T value) && value is string name && Core.Peers.OwnName.Problem(name) is { } problem)
                result.AddError($"{option.Name}: {problem}");
        });

    /// <summary>
    /// A folder the program writes in (--downloads): not an empty value, and not a file, where every later write
    /// would fail (a node started, and each accepted transfer failed). A missing folder is created when needed.
    /// </summary>
    public static void Folder(Option<string?> option) =>
        option.Validators.Add(result =>
        {
            if (!TryValue(result, out string? value) || value is null)
                return;
            if (string.IsNullOrWhiteSpace(value))
                result.AddError($"{option.Name} needs a folder, not an empty value");
            else if (File.Exists(value))
                result.AddError($"{option.Name} {value} is a file; give a folder");
        });

    private static bool TryValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }
}
