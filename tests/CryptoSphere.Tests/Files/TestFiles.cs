using System.Security.Cryptography;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>Random files to send and what a test checks about the downloads folder.</summary>
internal static class TestFiles
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A file of random bytes (an odd size, so the last chunk is short); returns its path.</summary>
    public static string Random(TempDirectory dir, string name, int bytes, int seed = 1)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        var path = dir.Combine(name);
        File.WriteAllBytes(path, data);
        return path;
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Files in the downloads folder, partial ones (hidden temporary files) included.</summary>
    public static string[] In(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order().ToArray() : [];

    public static string[] PartialFiles(string folder) => In(folder).Where(f => f.EndsWith(".part", StringComparison.Ordinal)).ToArray();

    /// <summary>Accepts every offer the node gets (a user who always says yes).</summary>
    public static void AcceptEverything(ChatNode node) =>
        node.EventRaised += e =>
        {
            if (e is TransferOffered offered)
                _ = node.AcceptTransferAsync(offered.Transfer.Id);
        };

    public static Task<T> For<T>(this EventWaiter events, Guid id, Func<T, bool>? also = null) where T : NodeEvent =>
        events.WaitFor<T>(e => IdOf(e) == id && (also is null || also(e)), Timeout);

    private static Guid? IdOf(NodeEvent e) => e switch
    {
        TransferOffered x => x.Transfer.Id,
        TransferAccepted x => x.Transfer.Id,
        TransferProgress x => x.Transfer.Id,
        TransferInterrupted x => x.Transfer.Id,
        TransferCompleted x => x.Transfer.Id,
        TransferFailed x => x.Transfer.Id,
        TransferDeclined x => x.Transfer.Id,
        TransferCancelled x => x.Transfer.Id,
        _ => null,
    };

    public static TransferInfo Info(this OfferResult result)
    {
        Assert.True(result.Success, result.Error);
        return result.Transfer!;
    }
}
