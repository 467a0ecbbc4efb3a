using System.CommandLine;

namespace CryptoSphere.Cli.Commands;

/// <summary>Where the program keeps its files: identity key, trust store, and later the database.</summary>
internal static class DataDirectory
{
    public const string EnvironmentVariable = "CRYPTOSPHERE_DATA_DIR";

    public static string Default =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "cryptosphere");

    public static Option<string> CreateOption()
    {
        var option = new Option<string>("--data-dir")
        {
            Description = $"Folder for your identity and agreement keys, database (history, outbox, contacts), mailbox database and received files (default: ${EnvironmentVariable}, else {Default}). " +
                          "Two nodes on one machine need two folders.",
            DefaultValueFactory = _ => Default,
        };
        // An empty value (--data-dir "", an unset variable in a script) would otherwise reach .NET's own sentence.
        OptionChecks.Require(option, v => !string.IsNullOrWhiteSpace(v), "--data-dir needs a folder, not an empty value");
        return option;
    }
}
