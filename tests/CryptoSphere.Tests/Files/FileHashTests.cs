using System.Security.Cryptography;
using CryptoSphere.Core.Files;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>The hash a transfer is verified with: SHA-256 of the whole file, read a block at a time.</summary>
public sealed class FileHashTests : IDisposable
{
    private const int Block = 1024 * 1024;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Block - 1)]
    [InlineData(Block)]
    [InlineData(Block + 1)]
    [InlineData(3 * Block + 12345)]
    public async Task Is_the_SHA256_of_every_byte_across_block_boundaries(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        var path = _dir.Combine($"f{size}.bin");
        await File.WriteAllBytesAsync(path, data);

        var hash = await FileHash.ComputeAsync(path, CancellationToken.None);

        Assert.Equal(SHA256.HashData(data), hash);
    }

    [Fact]
    public async Task A_changed_last_byte_changes_the_hash()
    {
        var data = RandomNumberGenerator.GetBytes(Block + 1);
        var path = _dir.Combine("f.bin");
        await File.WriteAllBytesAsync(path, data);
        var before = await FileHash.ComputeAsync(path, CancellationToken.None);

        data[^1] ^= 1;
        await File.WriteAllBytesAsync(path, data);

        Assert.NotEqual(before, await FileHash.ComputeAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_hash_stops()
    {
        var path = _dir.Combine("big.bin");
        await File.WriteAllBytesAsync(path, new byte[4 * Block]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FileHash.ComputeAsync(path, cancelled.Token));
    }
}
