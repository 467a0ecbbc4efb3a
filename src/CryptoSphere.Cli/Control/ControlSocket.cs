using System.Net.Sockets;

namespace CryptoSphere.Cli.Control;

/// <summary>
/// Where a running node listens for the one-off commands of its owner: a Unix domain socket inside the
/// data directory, readable and writable by the owner only. The path is the contract between the two.
/// </summary>
internal static class ControlSocket
{
    public const string FileName = Core.Storage.DataDirectoryFiles.ControlSocket;

    // sun_path holds 108 bytes on Linux, including the terminating zero.
    private const int MaxPathBytes = 107;

    public static string PathIn(string dataDirectory) => Path.Combine(Path.GetFullPath(dataDirectory), FileName);

    public static bool Fits(string path) => System.Text.Encoding.UTF8.GetByteCount(path) <= MaxPathBytes;

    public static UnixDomainSocketEndPoint EndPoint(string path) => new(path);
}
