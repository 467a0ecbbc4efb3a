namespace CryptoSphere.Cli.Commands;

/// <summary>Why a file cannot be the target of <c>export --out</c>, told before anything is read or written.</summary>
internal static class ExportTarget
{
    public static string? Problem(string path)
    {
        if (Directory.Exists(path))
            return $"--out {path} is a folder; give the name of a new file in it";
        if (File.Exists(path))
            return $"{path} already exists; choose another --out (an export never overwrites)";
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            return $"cannot write {path}: there is no folder {folder}";
        return null;
    }
}
