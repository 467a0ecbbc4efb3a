using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// Bad arguments get one short line and exit code 2, not the whole help: the first error in plain words
/// and where to read more.
/// </summary>
internal static partial class UsageErrors
{
    public const int ExitCode = 2;

    /// <summary>The line to print for a parse that failed, or null when the command can run (or show its help).</summary>
    public static string? Describe(ParseResult parsed)
    {
        // "cryptosphere mailbox --help" would otherwise print the root help and exit 0 as if all were well.
        var unknown = parsed.UnmatchedTokens.Count > 0 ? parsed.UnmatchedTokens[0] : null;
        if (parsed.Action is HelpAction && unknown is null)
            return null;
        if (unknown is not null && parsed.Errors.Count == 0)
            return $"unknown command or argument '{unknown}'. {SeeHelp(parsed)}";
        if (parsed.Errors.Count == 0)
            return null;
        return $"{Plain(parsed.Errors[0].Message, parsed)} {SeeHelp(parsed)}";
    }

    private static string SeeHelp(ParseResult parsed)
    {
        var path = new List<string>();
        for (var c = parsed.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (c.Command is not RootCommand)
                path.Insert(0, c.Command.Name);
        }
        return $"See: cryptosphere {string.Join(' ', path.Append("--help"))}";
    }

    private static string Name(ParseResult parsed) => SeeHelp(parsed)["See: ".Length..^" --help".Length];

    private static string Plain(string message, ParseResult parsed)
    {
        var cannotParse = CannotParse().Match(message);
        if (cannotParse.Success)
        {
            var expected = cannotParse.Groups["type"].Value switch
            {
                var t when t.Contains("Int32") => "a whole number up to 2147483647",
                var t when t.Contains("Int") => "a whole number",
                var t when t.Contains("Double") => "a number",
                var t when t.Contains("Bool") => "true or false",
                _ => "another kind of value",
            };
            return $"{cannotParse.Groups["what"].Value} {cannotParse.Groups["name"].Value} needs {expected}, not '{cannotParse.Groups["value"].Value}'.";
        }
        if (message.StartsWith("Required argument missing for command", StringComparison.Ordinal))
            return $"'{Name(parsed)}' is missing an argument.";
        if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            return $"'{Name(parsed)}' needs a subcommand.";
        var unrecognized = Unrecognized().Match(message);
        if (unrecognized.Success)
            return $"unknown command or argument '{unrecognized.Groups["token"].Value}'.";
        // Some messages list the allowed values one per line.
        message = string.Join(' ', message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        return message.EndsWith('.') ? message : message + ".";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?<what>option|command|argument) '(?<name>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^Unrecognized command or argument '(?<token>.*)'")]
    private static partial Regex Unrecognized();
}
