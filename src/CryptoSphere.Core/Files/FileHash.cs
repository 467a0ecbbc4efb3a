using System.Buffers;
using System.Security.Cryptography;

namespace CryptoSphere.Core.Files;

/// <summary>SHA-256 over files of any size, a block at a time: a file is never held in memory.</summary>
internal static class FileHash
{
    private const int BlockSize = 1024 * 1024;

    public static async Task<byte[]> ComputeAsync(string path, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, BlockSize), offset, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                offset += read;
            }
            return hash.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
