using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// Real nodes on 127.0.0.1 with their data directories: Alice and Bob are never online at the same time;
/// Mallory's node M holds Bob's mail and restarts in between.
/// </summary>
public sealed class MailboxNodeTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static void Trust(StoredNode node, PeerId id, string name, string? address) =>
        TrustAt(node.Node.Trust, id, name, address);

    private static void TrustAt(TrustStore trust, PeerId id, string name, string? address)
    {
        trust.RecordContact(id, name, address, DateTimeOffset.UtcNow);
        trust.SetState(id, TrustState.Trusted, DateTimeOffset.UtcNow);
    }

    /// <summary>Bob asks M to hold his mail, M agrees, and Bob goes offline; returns Bob's contact card.</summary>
    internal static async Task<(PeerId Id, int Port, AgreementKeyRecord Key, MailboxDirectory Mailboxes)> BobUsesMAsync(
        StoredNode m, string bobDir, PeerId aliceId)
    {
        await using var bob = await StoredNode.StartAsync("bob", bobDir);
        var bobId = bob.Identity.Id;
        Trust(bob, m.Identity.Id, "m", m.Key.ToString());
        Trust(bob, aliceId, "alice", null);
        Trust(m, bobId, "bob", bob.Key.ToString());
        Trust(m, aliceId, "alice", null);
        Assert.True(m.Node.Mailboxes.Serve(bobId));
        Assert.True(bob.Node.Mailboxes.Use(m.Identity.Id));
        Assert.True((await bob.Node.SendAsync(m.Key, "hold my mail please")).Success);
        await Eventually.HoldsAsync(() => bob.Node.Mailboxes.Used().Single().LastState == ServeState.Serving, "M serves Bob");
        return (bobId, bob.Port, bob.Node.AgreementKey, MailboxDirectory.Create(bob.Identity, [new MailboxEntry(m.Identity.Id, m.Key.ToString())]));
    }

    private static StoredMessage Message(ChatStore store, Guid id) => store.All().Single(m => m.Id == id);

    /// <summary>
    /// The start of most tests here: three data directories, Alice's identity made (her node not started, so
    /// Bob can trust her before they ever meet) and M running.
    /// </summary>
    private async Task<(string AliceDir, string BobDir, string MDir, PeerId AliceId, StoredNode M)> AliceIdBobDirAndMAsync()
    {
        var (aliceDir, bobDir, mDir) = (_temp.Combine("alice"), _temp.Combine("bob"), _temp.Combine("m"));
        PeerId aliceId;
        using (var identity = NodeIdentity.LoadOrCreate(aliceDir))
            aliceId = identity.Id;
        return (aliceDir, bobDir, mDir, aliceId, await StoredNode.StartAsync("m", mDir));
    }

    [Fact]
    public async Task AliceToBob_NeverOnlineTogether_MHoldsIt_BobGetsItOnce_AliceSeesItDelivered()
    {
        const string text = "Night shift: the backup finished at 03:12, tape is in the safe";
        // M is on; Bob asks it to hold his mail and goes offline. Alice gets Bob's contact card (his signed
        // agreement key and mailbox list), as she would with his ID, without their nodes ever meeting.
        var (aliceDir, bobDir, mDir, aliceId, m) = await AliceIdBobDirAndMAsync();
        var mPort = m.Port;
        var (bobId, bobPort, bobKey, bobMailboxes) = await BobUsesMAsync(m, bobDir, aliceId);

        // Alice writes while Bob is offline: the message waits in her outbox and M takes a sealed copy.
        Guid messageId;
        await using (var alice = await StoredNode.StartAsync("alice", aliceDir))
        {
            Trust(alice, bobId, "bob", $"127.0.0.1:{bobPort}");
            Trust(alice, m.Identity.Id, "m", m.Key.ToString());
            Assert.True(alice.Node.Mailboxes.LearnPeer(bobId, bobKey, bobMailboxes));
            var sent = await alice.Node.SendAsync(bobId, text);
            Assert.Equal(MessageState.Queued, sent.State);
            messageId = sent.MessageId!.Value;
            var held = await alice.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == messageId, TimeSpan.FromSeconds(20));
            Assert.Equal(m.Identity.Id, held.Mailbox);
            Assert.Equal(MessageState.Queued, Message(alice.Store, messageId).State);
        }

        // M restarts (on its port): nothing is lost.
        await m.DisposeAsync();
        m = await StoredNode.StartAsync("m", mDir, mPort);
        Assert.Single(m.Node.Mailboxes.Fetch(bobId, 10));

        // Bob comes back and connects to M: he gets Alice's message once, and M drops the envelope.
        await using (var bob = await StoredNode.StartAsync("bob", bobDir))
        {
            await bob.Node.SendAsync(m.Key, "I am back");
            var received = await bob.Events.WaitFor<MessageReceived>(r => r.Text == text, TimeSpan.FromSeconds(20));
            Assert.Equal(aliceId, received.PeerId);
            Assert.Equal(messageId, received.MessageId);
            await Eventually.HoldsAsync(() => m.Node.Mailboxes.Fetch(bobId, 10).Count == 0, "M drops the envelope on Bob's receipt");
            Assert.Single(bob.Events.All<MessageReceived>(), r => r.Text == text);
            Assert.Equal(MessageState.Received, Message(bob.Store, messageId).State);
        }

        // Alice comes back and connects to M: Bob's signed receipt turns her message delivered.
        await using (var alice = await StoredNode.StartAsync("alice", aliceDir))
        {
            await alice.Node.SendAsync(m.Key, "anything for me?");
            await alice.Events.WaitFor<MessageDelivered>(d => d.MessageId == messageId, TimeSpan.FromSeconds(20));
            Assert.Equal(MessageState.Delivered, Message(alice.Store, messageId).State);
            Assert.Equal(0, alice.Store.OutboxCount(Core.Messaging.Outbox.TargetOf(bobId)));
        }

        await m.DisposeAsync();
        var bytes = Directory.GetFiles(mDir).SelectMany(File.ReadAllBytes).ToArray();
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("tape is in the safe")));
    }

    [Fact]
    public async Task MessageThatArrivesBothDirectlyAndFromTheMailbox_IsShownOnce()
    {
        const string text = "one copy only, please";
        var (aliceDir, bobDir, _, aliceId, started) = await AliceIdBobDirAndMAsync();
        await using var m = started;
        var (bobId, bobPort, bobKey, bobMailboxes) = await BobUsesMAsync(m, bobDir, aliceId);

        await using var alice = await StoredNode.StartAsync("alice", aliceDir);
        Trust(alice, bobId, "bob", $"127.0.0.1:{bobPort}");
        Trust(alice, m.Identity.Id, "m", m.Key.ToString());
        Assert.True(alice.Node.Mailboxes.LearnPeer(bobId, bobKey, bobMailboxes));
        var messageId = (await alice.Node.SendAsync(bobId, text)).MessageId!.Value;
        await alice.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == messageId, TimeSpan.FromSeconds(20));

        // Bob returns where Alice last saw him, and talks to both: Alice's outbox delivers directly, M hands
        // over the sealed copy.
        await using var bob = await StoredNode.StartAsync("bob", bobDir, bobPort);
        Trust(bob, aliceId, "alice", alice.Key.ToString());
        await bob.Node.SendAsync(m.Key, "back");
        await bob.Node.SendAsync(alice.Key, "back too");
        await alice.Events.WaitFor<MessageDelivered>(d => d.MessageId == messageId, TimeSpan.FromSeconds(20));
        await Eventually.HoldsAsync(() => m.Node.Mailboxes.Fetch(bobId, 10).Count == 0, "Bob fetched and receipted M's copy",
            TimeSpan.FromSeconds(20));

        // Bob's events reach subscribers from their own task, after his acks and receipts may have. Both copies were
        // shown (or not) before Bob acknowledged or receipted them, so before a later message from Alice: once that
        // one is seen, count.
        await bob.Events.WaitFor<MessageReceived>(r => r.Text == text, TimeSpan.FromSeconds(20));
        var marker = await alice.Node.SendAsync(bobId, "after both copies");
        await bob.Events.WaitFor<MessageReceived>(r => r.MessageId == marker.MessageId, TimeSpan.FromSeconds(20));
        Assert.Single(bob.Events.All<MessageReceived>(), r => r.Text == text);
        Assert.Single(bob.Store.All(), s => s.Id == messageId);
    }

    /// <summary>Alice, back from a trip, writes to Bob (offline) and leaves; M takes a sealed copy of each message.</summary>
    internal static async Task<Guid[]> AliceLeavesForBobAsync(string aliceDir, StoredNode m, (PeerId Id, int Port, AgreementKeyRecord Key, MailboxDirectory Mailboxes) bob,
        params string[] texts)
    {
        await using var alice = await StoredNode.StartAsync("alice", aliceDir);
        Trust(alice, bob.Id, "bob", $"127.0.0.1:{bob.Port}");
        Trust(alice, m.Identity.Id, "m", m.Key.ToString());
        Assert.True(alice.Node.Mailboxes.LearnPeer(bob.Id, bob.Key, bob.Mailboxes));
        var ids = new List<Guid>();
        foreach (var text in texts)
            ids.Add((await alice.Node.SendAsync(bob.Id, text)).MessageId!.Value);
        foreach (var id in ids)
            await alice.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == id, TimeSpan.FromSeconds(20));
        return [.. ids];
    }

    [Fact]
    public async Task MailboxThatHandsEnvelopesOutReversed_IsHarmless_BobShowsAlicesMessagesInHerOrder()
    {
        string[] texts = ["first: the alarm code changed", "second: it is 4711", "third: do not write it down"];
        var (aliceDir, bobDir, mDir, aliceId, m) = await AliceIdBobDirAndMAsync();
        var mPort = m.Port;
        var bob = await BobUsesMAsync(m, bobDir, aliceId);
        await AliceLeavesForBobAsync(aliceDir, m, bob, texts);

        // M's owner turns hostile: M now hands Bob's envelopes out newest first.
        var inArrivalOrder = m.Node.Mailboxes.Fetch(bob.Id, 10).Select(e => e.Id).ToList();
        await m.DisposeAsync();
        HostileMailboxDatabase.Reverse(mDir);
        await using (m = await StoredNode.StartAsync("m", mDir, mPort))
        {
            Assert.Equal(Enumerable.Reverse(inArrivalOrder), m.Node.Mailboxes.Fetch(bob.Id, 10).Select(e => e.Id));

            await using var bobNode = await StoredNode.StartAsync("bob", bobDir);
            await Eventually.HoldsAsync(() => bobNode.Events.All<MessageReceived>().Count(r => r.PeerId == aliceId) == texts.Length,
                "Bob gets all three", TimeSpan.FromSeconds(20));
            Assert.Equal(texts, bobNode.Events.All<MessageReceived>().Where(r => r.PeerId == aliceId).Select(r => r.Text));
            var conversation = Core.Conversations.ConversationId.Peer(aliceId).ToString();
            Assert.Equal(texts, bobNode.Store.History(conversation, 10).Select(h => h.Text));
        }
    }

    [Fact]
    public async Task MailboxThatMovesAnEnvelopeIntoALaterBatch_IsHarmless_BobShowsAlicesMessagesInHerOrder_Once()
    {
        // One more message than a fetch batch holds, so the mailbox can hand Alice's first one over only in the second batch.
        var texts = Enumerable.Range(1, MailboxFetchRun.Batch + 1).Select(i => $"handover note {i}").ToArray();
        var (aliceDir, bobDir, mDir, aliceId, m) = await AliceIdBobDirAndMAsync();
        var mPort = m.Port;
        var bob = await BobUsesMAsync(m, bobDir, aliceId);
        var sent = await AliceLeavesForBobAsync(aliceDir, m, bob, texts);

        // M's owner turns hostile: the oldest envelope now comes last, behind a whole batch of newer ones.
        var oldest = m.Node.Mailboxes.Fetch(bob.Id, 1).Single().Id;
        await m.DisposeAsync();
        HostileMailboxDatabase.MoveOldestToEnd(mDir);
        await using (m = await StoredNode.StartAsync("m", mDir, mPort))
        {
            Assert.DoesNotContain(oldest, m.Node.Mailboxes.Fetch(bob.Id, MailboxFetchRun.Batch).Select(e => e.Id));
            Assert.Equal(oldest, m.Node.Mailboxes.Fetch(bob.Id, texts.Length)[^1].Id);

            await using var bobNode = await StoredNode.StartAsync("bob", bobDir);
            await Eventually.HoldsAsync(() => m.Node.Mailboxes.Fetch(bob.Id, texts.Length).Count == 0, "Bob takes and receipts every envelope",
                TimeSpan.FromSeconds(60));
            await Eventually.HoldsAsync(() => bobNode.Events.All<MessageReceived>().Count(r => r.PeerId == aliceId) >= texts.Length,
                "Bob shows all of them", TimeSpan.FromSeconds(30));
            var shown = bobNode.Events.All<MessageReceived>().Where(r => r.PeerId == aliceId).ToList();
            Assert.Equal(texts, shown.Select(r => r.Text));
            Assert.Equal(sent, shown.Select(r => r.MessageId!.Value));
            Assert.DoesNotContain(shown, r => r.ArrivedLate);
            var conversation = Core.Conversations.ConversationId.Peer(aliceId).ToString();
            Assert.Equal(texts, bobNode.Store.History(conversation, texts.Length + 10).Select(h => h.Text));
        }
    }

    [Fact]
    public async Task MailboxThatWithholdsAnEnvelopePastAFetch_CannotHideIt_BobShowsItOnceWithALateNote()
    {
        string[] texts = ["first: the server room is locked", "second: the key is with security", "third: ask for Sam"];
        var (aliceDir, bobDir, mDir, aliceId, m) = await AliceIdBobDirAndMAsync();
        var mPort = m.Port;
        var bob = await BobUsesMAsync(m, bobDir, aliceId);
        var sent = await AliceLeavesForBobAsync(aliceDir, m, bob, texts);

        // M withholds the first message while Bob fetches the others, and hands it over only at his next visit.
        await m.DisposeAsync();
        var withheld = HostileMailboxDatabase.WithholdOldest(mDir);
        await using (m = await StoredNode.StartAsync("m", mDir, mPort))
        await using (var bobNode = await StoredNode.StartAsync("bob", bobDir))
        {
            await Eventually.HoldsAsync(() => bobNode.Events.All<MessageReceived>().Count(r => r.PeerId == aliceId) == 2, "Bob gets the other two",
                TimeSpan.FromSeconds(30));
            await Eventually.HoldsAsync(() => m.Node.Mailboxes.Fetch(bob.Id, 10).Count == 0, "Bob receipts them", TimeSpan.FromSeconds(30));
            Assert.Equal(texts[1..], bobNode.Events.All<MessageReceived>().Select(r => r.Text));
            Assert.DoesNotContain(bobNode.Events.All<MessageReceived>(), r => r.ArrivedLate);
        }
        HostileMailboxDatabase.PutBack(mDir, withheld);
        await using (m = await StoredNode.StartAsync("m", mDir, mPort))
        await using (var bobNode = await StoredNode.StartAsync("bob", bobDir))
        {
            var late = await bobNode.Events.WaitFor<MessageReceived>(r => r.MessageId == sent[0], TimeSpan.FromSeconds(30));
            Assert.True(late.ArrivedLate);
            // Bob never met Alice: the message has no address, and both renderers still show it, with the note.
            Assert.Contains("arrived late", CryptoSphere.Cli.Rendering.EventText.Describe(late), StringComparison.Ordinal);
            Assert.Contains("\"arrivedLate\":true", NodeEventJson.Serialize(late), StringComparison.Ordinal);
            await Eventually.HoldsAsync(() => m.Node.Mailboxes.Fetch(bob.Id, 10).Count == 0, "Bob receipts it", TimeSpan.FromSeconds(30));
            Assert.Single(bobNode.Events.All<MessageReceived>());
            var conversation = Core.Conversations.ConversationId.Peer(aliceId).ToString();
            Assert.Equal(sent.OrderBy(id => id == sent[0]), bobNode.Store.History(conversation, 10).Where(h => !h.Outgoing).Select(h => h.Id));
        }
    }

    [Fact]
    public async Task MailboxThatDropsEnvelopes_CostsOnlyTheMailboxPath_TheMessageStaysInTheOutbox_AndGoesDirectly()
    {
        const string text = "dropped by the mailbox, kept by the outbox";
        var (aliceDir, bobDir, mDir, aliceId, m) = await AliceIdBobDirAndMAsync();
        var mPort = m.Port;
        var bob = await BobUsesMAsync(m, bobDir, aliceId);
        var messageId = (await AliceLeavesForBobAsync(aliceDir, m, bob, text)).Single();

        // M throws the envelope away (no receipt exists, so nobody is told "delivered").
        await m.DisposeAsync();
        HostileMailboxDatabase.DropAll(mDir);
        await using (m = await StoredNode.StartAsync("m", mDir, mPort))
        {
            await using var bobNode = await StoredNode.StartAsync("bob", bobDir, bob.Port);
            await Eventually.HoldsAsync(() => bobNode.Node.Mailboxes.Used().Single().LastAnswerAt > DateTimeOffset.UtcNow.AddSeconds(-30),
                "Bob talked to M again", TimeSpan.FromSeconds(20));
            Assert.Empty(m.Node.Mailboxes.ReceiptsFor(aliceId));

            // Alice comes back while Bob is online: her outbox still has the message and delivers it directly. Checked
            // before she starts: once started, her outbox can deliver before her start returns (it waits for her events).
            using (var aliceStore = ChatStore.Open(aliceDir))
                Assert.NotEqual(MessageState.Delivered, Message(aliceStore, messageId).State);
            await using var alice = await StoredNode.StartAsync("alice", aliceDir);
            await alice.Events.WaitFor<MessageDelivered>(d => d.MessageId == messageId, TimeSpan.FromSeconds(20));
            // Bob's event comes from his bus's own task and can follow the ACK Alice saw: wait for it, and for a later
            // message from Alice (shown after any second copy of the first would have been), then count.
            await bobNode.Events.WaitFor<MessageReceived>(r => r.Text == text, TimeSpan.FromSeconds(20));
            var marker = await alice.Node.SendAsync(bob.Id, "after the direct copy");
            await bobNode.Events.WaitFor<MessageReceived>(r => r.MessageId == marker.MessageId, TimeSpan.FromSeconds(20));
            Assert.Single(bobNode.Events.All<MessageReceived>(), r => r.Text == text);
            Assert.Equal(MessageState.Delivered, Message(alice.Store, messageId).State);
        }
    }

    [Fact]
    public async Task MailboxNamedWhileConnectedToIt_IsAskedOnThatConnection()
    {
        await using var m = await StoredNode.StartAsync("m", _temp.Combine("m"));
        await using var alice = await StoredNode.StartAsync("alice", _temp.Combine("alice"));
        Trust(alice, m.Identity.Id, "m", m.Key.ToString());
        Trust(m, alice.Identity.Id, "alice", alice.Key.ToString());
        Assert.True((await alice.Node.SendAsync(m.Key, "already talking")).Success);

        Assert.True(alice.Node.Mailboxes.Use(m.Identity.Id));
        await Eventually.HoldsAsync(() => alice.Node.Mailboxes.Used().Single().LastState == ServeState.Pending, "M answers on the open session",
            TimeSpan.FromSeconds(20));
        Assert.Equal(ServeState.Pending, m.Node.Mailboxes.Served().Single(s => s.Recipient == alice.Identity.Id).State);
    }

    [Fact]
    public async Task Stranger_CannotMakeARealNodeHoldItsMail_NorLeaveMailThere()
    {
        var mDir = _temp.Combine("m");
        PeerId bobId;
        AgreementKeyRecord bobKey;
        MailboxDirectory bobCard;
        await using var m = await StoredNode.StartAsync("m", mDir);
        await using (var bob = await StoredNode.StartAsync("bob", _temp.Combine("bob")))
        {
            (bobId, bobKey) = (bob.Identity.Id, bob.Node.AgreementKey);
            bobCard = MailboxDirectory.Create(bob.Identity, [new MailboxEntry(m.Identity.Id, m.Key.ToString())]);
            Trust(m, bobId, "bob", bob.Key.ToString());
            Assert.True(m.Node.Mailboxes.Serve(bobId));
        }

        // The stranger trusts M and names it as its mailbox; M does not trust the stranger.
        await using var stranger = await StoredNode.StartAsync("stranger", _temp.Combine("stranger"));
        Trust(stranger, m.Identity.Id, "m", m.Key.ToString());
        Trust(stranger, bobId, "bob", $"127.0.0.1:{TestNodes.DeadPort()}");
        Assert.True(stranger.Node.Mailboxes.Use(m.Identity.Id));
        await Eventually.HoldsAsync(() => stranger.Node.Mailboxes.Used().Single().LastState is not null, "M answers the stranger",
            TimeSpan.FromSeconds(20));
        Assert.Equal(ServeState.Refused, stranger.Node.Mailboxes.Used().Single().LastState);

        // Nor can it leave mail for Bob there, though M holds Bob's mail.
        Assert.True(stranger.Node.Mailboxes.LearnPeer(bobId, bobKey, bobCard));
        var sent = await stranger.Node.SendAsync(bobId, "let me in");
        await Eventually.HoldsAsync(() => stranger.Node.Mailboxes.SentEnvelopes(sent.MessageId!.Value).Any(e => e.Outcome is not null),
            "M answers the stranger's envelope", TimeSpan.FromSeconds(20));
        Assert.Equal(PutOutcome.Stranger, stranger.Node.Mailboxes.SentEnvelopes(sent.MessageId!.Value).Single().Outcome);
        Assert.Empty(stranger.Node.Mailboxes.HeldBy(sent.MessageId!.Value));

        Assert.Empty(m.Node.Mailboxes.Fetch(bobId, 10));
        Assert.DoesNotContain(m.Node.Mailboxes.Served(), s => s.Recipient == stranger.Identity.Id);
        Assert.Null(m.Node.Mailboxes.PeerInfo(stranger.Identity.Id));
    }

    [Fact]
    public async Task MailboxQuota_HoldsOnARealNode_TheEnvelopeOverItIsRefused_AndItsMessageWaitsInTheOutbox()
    {
        var (aliceDir, bobDir) = (_temp.Combine("alice"), _temp.Combine("bob"));
        PeerId aliceId;
        using (var identity = NodeIdentity.LoadOrCreate(aliceDir))
            aliceId = identity.Id;
        await using var m = await StoredNode.StartAsync("m", _temp.Combine("m"));
        var bob = await BobUsesMAsync(m, bobDir, aliceId);
        Assert.True(m.Node.Mailboxes.Serve(bob.Id, MailboxQuota.Default with { MaxEnvelopes = 1 }));

        await using var alice = await StoredNode.StartAsync("alice", aliceDir);
        Trust(alice, bob.Id, "bob", $"127.0.0.1:{bob.Port}");
        Trust(alice, m.Identity.Id, "m", m.Key.ToString());
        Assert.True(alice.Node.Mailboxes.LearnPeer(bob.Id, bob.Key, bob.Mailboxes));
        var first = (await alice.Node.SendAsync(bob.Id, "fits")).MessageId!.Value;
        var second = (await alice.Node.SendAsync(bob.Id, "over the quota")).MessageId!.Value;
        await alice.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == first, TimeSpan.FromSeconds(20));
        await Eventually.HoldsAsync(() => alice.Node.Mailboxes.SentEnvelopes(second).Any(e => e.Outcome is not null), "M answers the second envelope",
            TimeSpan.FromSeconds(20));

        Assert.Equal(PutOutcome.OverQuota, alice.Node.Mailboxes.SentEnvelopes(second).Single().Outcome);
        Assert.Empty(alice.Node.Mailboxes.HeldBy(second));
        Assert.Single(m.Node.Mailboxes.Fetch(bob.Id, 10));
        Assert.Equal(2, alice.Store.OutboxCount(Core.Messaging.Outbox.TargetOf(bob.Id)));
        Assert.Equal(1, m.Node.Mailboxes.Served().Single(s => s.Recipient == bob.Id).HeldCount);
    }
}
