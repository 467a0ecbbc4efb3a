using System.Security.Cryptography;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Files;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #13: a symbolic link planted at a transfer's temporary name is never followed.</summary>
public sealed class PlantedLinkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_link_planted_at_the_part_file_name_fails_the_transfer_and_leaves_its_target_untouched()
    {
        var downloads = Path.Combine(_dir.Path, "downloads");
        Directory.CreateDirectory(downloads);
        var victim = Path.Combine(_dir.Path, "victim.txt");
        File.WriteAllText(victim, "the user's own file");
        var events = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", events, o => o with { DownloadsDirectory = downloads });
        await using var mallory = await RecordingSecurePeer.ConnectAsync(bob.Port);

        // The sender chooses the ID, so the temporary name is known in advance.
        var id = Guid.CreateVersion7();
        File.CreateSymbolicLink(DownloadFolder.TempPath(downloads, id), victim);
        var data = RandomNumberGenerator.GetBytes(1000);
        await mallory.SendAsync(w => new FileOfferMessage(id, data.Length, SHA256.HashData(data), "m.bin").Encode(w));
        await events.For<TransferOffered>(id);

        var accepted = await bob.AcceptTransferAsync(id);
        Assert.False(accepted.Success);
        Assert.Contains("symbolic link", accepted.Error);
        var failed = await events.For<TransferFailed>(id);
        Assert.Contains("symbolic link", failed.Reason);
        Assert.Equal("the user's own file", File.ReadAllText(victim));
    }
}
