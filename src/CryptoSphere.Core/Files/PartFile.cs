using CryptoSphere.Core.Storage;
using Microsoft.Win32.SafeHandles;

namespace CryptoSphere.Core.Files;

/// <summary>
/// Opens a transfer's temporary file without following a link planted at its name. The name is predictable
/// (the sender chooses the transfer ID), so someone else on the machine could point it at a file of the
/// user's, which the transfer would then overwrite. A new file is created exclusively (O_CREAT|O_EXCL, which
/// never follows a link); an existing one, left by an interrupted transfer, is resumed only when it is a
/// regular file, checked before and after opening.
/// </summary>
internal static class PartFile
{
    public static SafeFileHandle Open(string path)
    {
        RefuseLink(path);
        try
        {
            // Created owner-only (the received file is private, wherever the downloads folder is), then opened as
            // a handle below: File.OpenHandle cannot give a new file a mode.
            OwnerOnly.Open(path, FileMode.CreateNew, FileAccess.Write).Dispose();
        }
        catch (IOException) when (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            // Left by an interrupted transfer: resumed.
        }
        RefuseLink(path);
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        try
        {
            // A link swapped in between the check and the open is caught here.
            RefuseLink(path);
            // A part file an older version left readable by others.
            OwnerOnly.Tighten(file);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void RefuseLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || (info.Exists && info.Attributes.HasFlag(FileAttributes.ReparsePoint)))
            throw new IOException($"{Path.GetFileName(path)} is a symbolic link, not a file of this transfer; refused");
    }
}
