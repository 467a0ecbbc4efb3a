namespace CryptoSphere.Core.Files;

/// <summary>What may be offered: one existing file. The one wording for the sender, the command line and the web page.</summary>
public static class SourceFile
{
    /// <summary>Null when <paramref name="path"/> is a file; else why it cannot be sent.</summary>
    public static string? Problem(string path) =>
        File.Exists(path) ? null
        : Directory.Exists(path) ? $"{path} is a folder; only single files can be sent"
        : $"no such file: {path}";
}
