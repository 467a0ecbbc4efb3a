namespace CryptoSphere.Core.Files;

/// <summary>
/// Why a transfer failed, as the local user sees it and as the peer is told. The peer's text never names a local path
/// nor repeats an exception's message (which names one): found from outside, the receiver learned where the sender keeps
/// its files, and the sender learned the receiver's downloads folder. The local text keeps every detail.
/// </summary>
internal sealed record TransferFailure(string Local, string Peer)
{
    /// <summary>A reason with nothing local in it (a broken rule, a size), the same for both sides.</summary>
    public static implicit operator TransferFailure(string both) => new(both, both);

    /// <summary>The sender's file could not be read: the peer learns only that, and whether it is gone.</summary>
    public static TransferFailure SenderCannotRead(string path, Exception e) =>
        new($"cannot read {path}: {e.Message}",
            e is FileNotFoundException or DirectoryNotFoundException ? "the sender's file is gone" : $"the sender cannot read the file ({Cause(e)})");

    /// <summary>The receiver could not write or finish the file: the peer learns the kind of problem, not where.</summary>
    public static TransferFailure ReceiverCannotWrite(string local, Exception e) =>
        new($"{local}: {e.Message}",
            IsDiskFull(e) ? "the receiver ran out of disk space"
            // Not "not found": creating a file where none can be made (/proc/sys) says ENOENT, which misled.
            : e is UnauthorizedAccessException ? "the receiver cannot write the file (permission denied)"
            : "the receiver cannot write the file");

    private static string Cause(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        FileNotFoundException or DirectoryNotFoundException => "not found",
        _ when IsDiskFull(e) => "no space left",
        ObjectDisposedException or OperationCanceledException => "closed",
        _ => "an input/output error",
    };

    // ENOSPC is 28 on Linux and macOS, and .NET keeps the errno as the HResult; Windows: ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL.
    private static bool IsDiskFull(Exception e) =>
        e is IOException && (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 0x70 or 0x27 : e.HResult == 28);
}
