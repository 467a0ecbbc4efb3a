namespace CryptoSphere.Core.Identity;

/// <summary>Writes a new secret file that only the owner can read, whole or not at all.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>Writes through a temporary file and refuses to replace an existing <paramref name="path"/>.</summary>
    public static void CreateNew(string path, string text)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        File.Delete(temp);
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        File.Move(temp, path, overwrite: false);
    }
}
