namespace CryptoSphere.Core.Files;

/// <summary>What may be offered: one existing regular file. The one wording for the sender, the command line and the web page.</summary>
public static class SourceFile
{
    /// <summary>Null when <paramref name="path"/> is a regular file; else why it cannot be sent.</summary>
    public static string? Problem(string path) =>
        Directory.Exists(path) ? $"{path} is a folder; only single files can be sent"
        : !File.Exists(path) ? $"no such file: {path}"
        // A device, FIFO or socket: reading one never ends (/dev/zero) or blocks until someone writes (a FIFO).
        : !RegularFile.IsRegularOrUnknown(path) ? $"{path} is not a regular file (a device, pipe or socket); only regular files can be sent"
        : null;
}
