using System.Security.Cryptography;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Files;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #12: a stranger's pile of file offers never blocks a friend's file, and unanswered offers expire.</summary>
public sealed class OfferFloodTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<List<Guid>> OfferManyAsync(RecordingSecurePeer peer, int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7();
            ids.Add(id);
            await peer.SendAsync(w => new FileOfferMessage(id, 10, SHA256.HashData(new byte[10]), $"junk{i}.bin").Encode(w));
        }
        return ids;
    }

    [Fact]
    public async Task A_strangers_offers_are_capped_per_peer_and_a_trusted_friends_file_still_gets_through()
    {
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events, o => o with
        {
            DownloadsDirectory = Path.Combine(_dir.Path, "downloads"),
            MaxPendingOffersPerPeer = 5,
            MaxPendingOffers = 5,
        });
        await using var stranger = await RecordingSecurePeer.ConnectAsync(target.Port);
        var ids = await OfferManyAsync(stranger, 8);
        foreach (var id in ids[..5])
            await events.For<TransferOffered>(id);
        foreach (var id in ids[5..])
            Assert.Contains("offers from you", (await events.For<TransferDeclined>(id)).Reason);

        // The node-wide cap is reached too; a trusted friend is not held to it.
        var friendEvents = new EventWaiter();
        await using var friend = await TestNodes.StartAsync("friend", friendEvents);
        Assert.True((await friend.SendAsync(TestNodes.KeyOf(target), "hi")).Success);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == friend.Identity.Id);
        target.TrustPeer(friend.Identity.Id);
        var file = TestFiles.Random(_dir, "report.pdf", 5000);
        var offer = (await friend.OfferFileAsync(target.Identity.Id, file)).Info();
        await events.For<TransferOffered>(offer.Id);
        Assert.True((await target.AcceptTransferAsync(offer.Id)).Success);
        await events.For<TransferCompleted>(offer.Id);
    }

    [Fact]
    public async Task Offers_nobody_answers_expire_and_the_sender_is_told()
    {
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events, o => o with
        {
            DownloadsDirectory = Path.Combine(_dir.Path, "downloads"),
            MaxPendingOffersPerPeer = 3,
            PendingOfferLifetime = TimeSpan.FromSeconds(1),
            InactivityCheckInterval = TimeSpan.FromMilliseconds(200),
        });
        await using var stranger = await RecordingSecurePeer.ConnectAsync(target.Port);
        var ids = await OfferManyAsync(stranger, 3);
        foreach (var id in ids)
            Assert.Contains("not answered within", (await events.For<TransferDeclined>(id)).Reason);
        var decline = FileDeclineMessage.Decode(new(await stranger.ReceiveAsync(FrameType.FileDecline)));
        Assert.Contains(decline.TransferId, ids);
        // Room again: a new offer from the same peer waits for the user.
        var again = await OfferManyAsync(stranger, 1);
        await events.For<TransferOffered>(again[0]);
    }
}
