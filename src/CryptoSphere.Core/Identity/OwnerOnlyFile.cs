namespace CryptoSphere.Core.Identity;

/// <summary>Writes a new secret file that only the owner can read, whole or not at all.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>Writes through a temporary file and refuses to replace an existing <paramref name="path"/>.</summary>
    public static void CreateNew(string path, string text)
    {
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var stream = Storage.OwnerOnly.Open(temp, FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        File.Move(temp, path, overwrite: false);
    }
}
