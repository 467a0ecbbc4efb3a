using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// hunt-B D2 by the mailbox way: a group message sealed for Bob at his mailbox M, by Carol while she was a member, is
/// taken by Bob although the admin's removal of Carol reached him first. Real nodes on 127.0.0.1.
/// </summary>
public sealed class MailboxGroupRemovalTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static void Trust(StoredNode node, StoredNode other, string name)
    {
        node.Node.Trust.RecordContact(other.Identity.Id, name, other.Key.ToString(), DateTimeOffset.UtcNow);
        node.Node.Trust.SetState(other.Identity.Id, TrustState.Trusted, DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_sealed_message_from_before_its_authors_removal_is_taken_after_the_removal()
    {
        var (aliceDir, bobDir, carolDir, mDir) = (_temp.Combine("alice"), _temp.Combine("bob"), _temp.Combine("carol"), _temp.Combine("m"));
        await using var alice = await StoredNode.StartAsync("alice", aliceDir);
        var m = await StoredNode.StartAsync("m", mDir);
        var mPort = m.Port;
        var carol = await StoredNode.StartAsync("carol", carolDir);
        var bob = await StoredNode.StartAsync("bob", bobDir);
        var (bobId, carolId) = (bob.Identity.Id, carol.Identity.Id);
        foreach (var (node, others) in new[] { (bob, new[] { m, alice, carol }), (m, [bob, carol]), (alice, [bob, carol]), (carol, [alice, bob, m]) })
        {
            foreach (var other in others)
                Trust(node, other, other.Node.Options.Name);
        }
        Assert.True(m.Node.Mailboxes.Serve(bobId));
        Assert.True(bob.Node.Mailboxes.Use(m.Identity.Id));
        await Eventually.HoldsAsync(() => bob.Node.Mailboxes.Used().Single().LastState == ServeState.Serving, "M serves Bob", Wait);
        var group = alice.Node.CreateGroup("night shift").Value!;
        Assert.True((await bob.Node.SendAsync(alice.Key, "hello admin")).Success);
        Assert.True((await carol.Node.SendAsync(alice.Key, "hello admin")).Success);
        await alice.Node.AddMemberAsync(group.Id, bobId);
        group = (await alice.Node.AddMemberAsync(group.Id, carol.Identity.Id)).Value!;
        await Eventually.HoldsAsync(() => bob.Node.Groups.Any(g => g.Id == group.Id && g.HasMember(carol.Identity.Id)), "Bob is in the group", Wait);
        await Eventually.HoldsAsync(() => carol.Node.Groups.Any(g => g.Id == group.Id && g.HasMember(bobId)), "Carol is in the group", Wait);
        var toBob = await carol.Node.SendAsync(bobId, "so that I learn your mailbox");
        await carol.Events.WaitFor<MessageDelivered>(d => d.MessageId == toBob.MessageId, Wait);
        await Eventually.HoldsAsync(() => carol.Node.Mailboxes.PeerInfo(bobId)?.Directory.Entries.Count == 1, "Carol knows Bob's mailbox", Wait);
        await bob.DisposeAsync();

        // Carol writes while Bob is away: Alice gets it directly, M holds Bob's sealed copy. Then Carol goes, and is removed.
        var sent = await carol.Node.SendToGroupAsync(group.Id, "sealed before my removal");
        await alice.Events.WaitFor<GroupMessageReceived>(r => r.MessageId == sent.MessageId, Wait);
        await carol.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == sent.MessageId && h.Recipient == bobId, Wait);
        await carol.DisposeAsync();
        await m.DisposeAsync();
        var removed = (await alice.Node.RemoveMemberAsync(group.Id, carolId)).Value!;

        // Bob comes back with M away: he hears of the removal from Alice first, then M returns with Carol's message.
        await using var bob2 = await StoredNode.StartAsync("bob", bobDir);
        Assert.True((await bob2.Node.SendAsync(alice.Key, "back")).Success);
        await bob2.Events.WaitFor<GroupChanged>(g => g.Group.Id == group.Id && g.Group.Version == removed.Version, Wait);
        await using var m2 = await StoredNode.StartAsync("m", mDir, mPort);
        // Bob's own dials to M wait 30 s after the one that failed at his start; a session he opens fetches at once.
        Assert.True((await bob2.Node.SendAsync(m2.Key, "hello mailbox")).Success);

        var got = await bob2.Events.WaitFor<GroupMessageReceived>(r => r.MessageId == sent.MessageId, Wait);
        Assert.Equal(carolId, got.Author);
        await Eventually.HoldsAsync(() => m2.Node.Mailboxes.Fetch(bobId, 10).Count == 0, "M drops the envelope on Bob's receipt", Wait);
    }
}
