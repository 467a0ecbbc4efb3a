namespace CryptoSphere.Core.Storage;

/// <summary>
/// Held by a running node for as long as it runs, so two nodes never share one data directory.
/// The operating system releases it when the process dies, even on a hard kill.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "node.lock";

    private readonly FileStream _stream;

    private DataDirectoryLock(FileStream stream) => _stream = stream;

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        OwnerOnly.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix.
            var stream = OwnerOnly.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString());
            stream.Write(pid);
            stream.Flush();
            return new DataDirectoryLock(stream);
        }
        catch (IOException e)
        {
            throw new StorageException(
                $"another CryptoSphere node is already using the data directory {dataDirectory}; " +
                "give this one its own with --data-dir", e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
