using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// Group messages through a member's mailbox, with real nodes on 127.0.0.1: admin Alice, members Bob (who uses
/// M as his mailbox) and Carol. Alice writes to the group while Bob is offline, and Bob comes back only after
/// Alice left: he gets each message once, in the group's order, and Alice later sees it delivered to him.
/// </summary>
public sealed class MailboxGroupTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new();
    private readonly string _aliceDir;
    private readonly string _bobDir;
    private readonly string _carolDir;
    private readonly string _mDir;

    public MailboxGroupTests() =>
        (_aliceDir, _bobDir, _carolDir, _mDir) = (_temp.Combine("alice"), _temp.Combine("bob"), _temp.Combine("carol"), _temp.Combine("m"));

    public void Dispose() => _temp.Dispose();

    private static void Trust(StoredNode node, StoredNode other, string name) =>
        Trust(node, other.Identity.Id, name, other.Key.ToString());

    private static void Trust(StoredNode node, PeerId id, string name, string? address)
    {
        node.Node.Trust.RecordContact(id, name, address, DateTimeOffset.UtcNow);
        node.Node.Trust.SetState(id, TrustState.Trusted, DateTimeOffset.UtcNow);
    }

    private static PeerId IdOf(string dataDirectory)
    {
        using var identity = NodeIdentity.LoadOrCreate(dataDirectory);
        return identity.Id;
    }

    /// <summary>
    /// Everyone meets once: Bob uses M (and M agrees), Alice makes the group with Bob and Carol and learns Bob's
    /// mailbox from him. Then Bob goes offline. Returns the group, Alice's node (running), Bob's port and Carol.
    /// </summary>
    private async Task<(Group Group, StoredNode Alice, StoredNode Carol, int BobPort)> SetUpAsync(StoredNode m)
    {
        var aliceId = IdOf(_aliceDir);
        var alice = await StoredNode.StartAsync("alice", _aliceDir);
        var carol = await StoredNode.StartAsync("carol", _carolDir);
        await using var bob = await StoredNode.StartAsync("bob", _bobDir);
        var bobId = bob.Identity.Id;
        Trust(bob, m, "m");
        Trust(bob, alice, "alice");
        Trust(m, bob, "bob");
        Trust(m, aliceId, "alice", alice.Key.ToString());
        Trust(alice, bob, "bob");
        Trust(alice, carol, "carol");
        Trust(alice, m, "m");
        Trust(carol, alice, "alice");
        Assert.True(m.Node.Mailboxes.Serve(bobId));
        Assert.True(bob.Node.Mailboxes.Use(m.Identity.Id));
        // Bob's node reaches its mailbox on its own.
        await Eventually.HoldsAsync(() => bob.Node.Mailboxes.Used().Single().LastState == ServeState.Serving, "M serves Bob", Wait);

        var group = alice.Node.CreateGroup("night shift").Value!;
        var toBob = await alice.Node.SendAsync(bobId, "joining you to the shift group");
        var toCarol = await alice.Node.SendAsync(carol.Identity.Id, "joining you too");
        Assert.True(toBob.Success && toCarol.Success);
        await alice.Node.AddMemberAsync(group.Id, bobId);
        group = (await alice.Node.AddMemberAsync(group.Id, carol.Identity.Id)).Value!;
        await Eventually.HoldsAsync(() => bob.Node.Groups.Any(g => g.Id == group.Id && g.HasMember(carol.Identity.Id)), "Bob is in the group", Wait);
        await Eventually.HoldsAsync(() => carol.Node.Groups.Any(g => g.Id == group.Id && g.HasMember(bobId)), "Carol is in the group", Wait);
        await Eventually.HoldsAsync(() => alice.Node.Mailboxes.PeerInfo(bobId)?.Directory.Entries.Count == 1, "Alice knows Bob's mailbox", Wait);
        // "Sent" is only written to the socket: until Bob's ACK is back the message stays in Alice's outbox, and once
        // Bob is offline it would be sealed and left with M too, beside the group messages the tests count there.
        await alice.Events.WaitFor<MessageDelivered>(d => d.MessageId == toBob.MessageId, Wait);
        return (group, alice, carol, bob.Port);
    }

    /// <summary>Alice writes twice to the group while Bob is offline; M takes a sealed copy of each for Bob.</summary>
    private static async Task<GroupSendResult[]> AliceWritesWhileBobIsAwayAsync(StoredNode alice, Group group, PeerId bobId, PeerId mId, params string[] texts)
    {
        var sent = new List<GroupSendResult>();
        foreach (var text in texts)
        {
            var result = await alice.Node.SendToGroupAsync(group.Id, text);
            sent.Add(result);
            var held = await alice.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == result.MessageId, Wait);
            Assert.Equal((bobId, mId), (held.Recipient, held.Mailbox));
        }
        return [.. sent];
    }

    [Fact]
    public async Task GroupMessage_ToOfflineMember_GoesThroughItsMailbox_OnceAndInOrder_AndTheAdminSeesItDelivered()
    {
        var m = await StoredNode.StartAsync("m", _mDir);
        var mPort = m.Port;
        var (group, alice, carol, _) = await SetUpAsync(m);
        var bobId = IdOf(_bobDir);
        GroupSendResult[] sent;
        await using (carol)
        await using (alice)
        {
            sent = await AliceWritesWhileBobIsAwayAsync(alice, group, bobId, m.Identity.Id, "handover at six", "the spare key is in the drawer");
            // Carol is online: hers come directly.
            foreach (var s in sent)
                await alice.Events.WaitFor<MessageDelivered>(d => d.MessageId == s.MessageId && d.PeerId == carol.Identity.Id, Wait);
            Assert.All(sent, s => Assert.Equal(MessageState.Sent, alice.Store.All().Single(x => x.Id == s.MessageId).State));
        }
        var inArrivalOrder = m.Node.Mailboxes.Fetch(bobId, 10).Select(e => e.Id).ToList();
        Assert.Equal(2, inArrivalOrder.Count);

        // M restarts (losing nothing), and its owner has turned hostile: it now hands the envelopes out newest first.
        await m.DisposeAsync();
        HostileMailboxDatabase.Reverse(_mDir);
        await using var _ = m = await StoredNode.StartAsync("m", _mDir, mPort);
        Assert.Equal(Enumerable.Reverse(inArrivalOrder), m.Node.Mailboxes.Fetch(bobId, 10).Select(e => e.Id));
        var held = Directory.GetFiles(_mDir).SelectMany(File.ReadAllBytes).ToArray();
        Assert.Equal(-1, held.AsSpan().IndexOf("spare key"u8));
        Assert.Equal(-1, held.AsSpan().IndexOf("night shift"u8));

        // Bob comes back after Alice left; his node fetches from M by itself.
        await using (var bob = await StoredNode.StartAsync("bob", _bobDir))
        {
            await bob.Events.WaitFor<GroupMessageReceived>(r => r.MessageId == sent[1].MessageId, Wait);
            await Eventually.HoldsAsync(() => m.Node.Mailboxes.Fetch(bobId, 10).Count == 0, "M drops the envelopes on Bob's receipts", Wait);
            var shown = bob.Events.All<GroupMessageReceived>();
            Assert.Equal(sent.Select(s => s.MessageId), shown.Select(r => r.MessageId));
            Assert.All(shown, r => Assert.Equal((group.Id, alice.Identity.Id), (r.GroupId, r.Author)));
            Assert.Equal(sent.Select(s => s.Lamport), shown.Select(r => r.Lamport));
            var history = bob.Store.History(group.Conversation, 10);
            Assert.Equal(["handover at six", "the spare key is in the drawer"], history.Where(h => !h.Outgoing).Select(h => h.Text));
            Assert.All(history, h => Assert.Equal(MessageState.Received, h.State));
        }

        // Alice comes back while Bob is away again: her node collects Bob's receipts from M.
        await using (var alice2 = await StoredNode.StartAsync("alice", _aliceDir))
        {
            foreach (var s in sent)
                await alice2.Events.WaitFor<MessageDelivered>(d => d.MessageId == s.MessageId && d.PeerId == bobId, Wait);
            Assert.All(sent, s => Assert.Equal(MessageState.Delivered, alice2.Store.All().Single(x => x.Id == s.MessageId).State));
            Assert.Equal(0, alice2.Store.OutboxCount(Core.Messaging.Outbox.TargetOf(bobId)));
            await Eventually.HoldsAsync(() => m.Node.Mailboxes.ReceiptsFor(alice2.Identity.Id).Count == 0, "M forgets the receipts Alice has", Wait);
        }
    }

    [Fact]
    public async Task GroupMessage_ThatArrivesBothDirectlyAndFromTheMailbox_IsShownOnce()
    {
        await using var m = await StoredNode.StartAsync("m", _mDir);
        var (group, alice, carol, bobPort) = await SetUpAsync(m);
        await using var _ = carol;
        await using var __ = alice;
        var bobId = IdOf(_bobDir);
        var sent = await AliceWritesWhileBobIsAwayAsync(alice, group, bobId, m.Identity.Id, "one copy only");

        // Bob returns where Alice last saw him: Alice's outbox delivers directly and M hands over the sealed copy.
        await using var bob = await StoredNode.StartAsync("bob", _bobDir, bobPort);
        await alice.Events.WaitFor<MessageDelivered>(d => d.MessageId == sent[0].MessageId && d.PeerId == bobId, Wait);
        await Eventually.HoldsAsync(() => m.Node.Mailboxes.Fetch(bobId, 10).Count == 0, "Bob fetched and receipted M's copy", Wait);
        // Bob's events come from their own task and can follow his acks and receipts. Both copies were shown (or not)
        // before Bob acknowledged or receipted them, so before a later message from Alice: once that one is seen, count.
        await bob.Events.WaitFor<GroupMessageReceived>(r => r.MessageId == sent[0].MessageId, Wait);
        var marker = await alice.Node.SendAsync(bobId, "after both copies");
        await bob.Events.WaitFor<MessageReceived>(r => r.MessageId == marker.MessageId, Wait);

        Assert.Single(bob.Events.All<GroupMessageReceived>(), r => r.MessageId == sent[0].MessageId);
        Assert.Single(bob.Store.All(), s => s.Id == sent[0].MessageId);
    }
}
