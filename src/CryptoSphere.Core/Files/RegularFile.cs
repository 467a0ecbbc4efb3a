using System.Runtime.InteropServices;
using System.Text;

namespace CryptoSphere.Core.Files;

/// <summary>
/// Whether a path is a regular file, following symbolic links. .NET reports a device (<c>/dev/zero</c>), a FIFO or a
/// socket as an ordinary existing file, and sending one hashed for ever (found from outside: a FIFO even blocks in
/// open(), where nothing can cancel it). On Linux the file type comes from statx(2), whose layout is the same on every
/// architecture; elsewhere .NET's own view is all there is (Windows reports devices as such).
/// </summary>
internal static class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int ModeOffset = 28;
    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;

    private static bool _noStatx;

    /// <summary>False for an existing path that is something other than a regular file; true otherwise (also when unknown).</summary>
    public static bool IsRegularOrUnknown(string path)
    {
        if (OperatingSystem.IsWindows())
            return !File.GetAttributes(path).HasFlag(FileAttributes.Device);
        if (!OperatingSystem.IsLinux() || _noStatx)
            return true;
        var name = Encoding.UTF8.GetBytes(path + "\0");
        var buffer = new byte[StatxSize];
        try
        {
            if (Statx(AtFdCwd, name, 0, StatxType, buffer) != 0)
                return true; // gone or unreadable: the caller's open says why
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _noStatx = true; // a C library without statx (glibc before 2.28)
            return true;
        }
        return (BitConverter.ToUInt16(buffer, ModeOffset) & TypeMask) == Regular;
    }

    // DllImport, not LibraryImport: byte arrays are pinned, no marshalling code is needed, and Core stays free of unsafe code.
    [DllImport("libc", EntryPoint = "statx", ExactSpelling = true, SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directory, byte[] path, int flags, uint mask, [Out] byte[] result);
}
