using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// A message or a file for a blocked peer, by its ID (the menu and the web send through these): refused with that
/// reason, and nothing stored. It said "no known address", which hid that the node would never connect to it anyway.
/// </summary>
public sealed class BlockedPeerSendTests
{
    [Fact]
    public async Task A_message_or_a_file_for_a_blocked_peer_is_refused_as_blocked_and_nothing_is_queued()
    {
        await using var node = await TestNodes.StartAsync("alice");
        using var blocked = NodeIdentity.CreateEphemeral();
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "note.txt");
        await File.WriteAllTextAsync(file, "for nobody");
        await node.BlockPeerAsync(blocked.Id);

        var sent = await node.SendAsync(blocked.Id, "hello?");
        var offered = await node.OfferFileAsync(blocked.Id, file);

        Assert.False(sent.Success);
        Assert.Equal($"{blocked.Id.Short} is blocked; unblock it to send to it", sent.Error);
        Assert.False(offered.Success);
        Assert.Equal($"{blocked.Id.Short} is blocked; unblock it to send to it", offered.Error);
        Assert.Empty(node.Store.Outbox());
        Assert.Empty(node.Store.History(null, 10));
    }
}
