using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// Real nodes on 127.0.0.1 whose sessions stay open while mailbox settings and trust change (hunt C, C1 and C6): the
/// mailbox list reaches connected contacts without a reconnect, and a sender stops saying "held by mailbox" when
/// the mailbox drops the envelope.
/// </summary>
public sealed class MailboxListUpdateTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static void Trust(StoredNode node, StoredNode other, string name) =>
        TrustId(node, other.Identity.Id, name, other.Key.ToString());

    private static void TrustId(StoredNode node, PeerId id, string name, string? address)
    {
        node.Node.Trust.RecordContact(id, name, address, DateTimeOffset.UtcNow);
        node.Node.Trust.SetState(id, TrustState.Trusted, DateTimeOffset.UtcNow);
    }

    private static IEnumerable<PeerId> MailboxesAliceKnowsFor(StoredNode alice, PeerId bob) =>
        alice.Node.Mailboxes.PeerInfo(bob)?.Directory.Entries.Select(e => e.Mailbox) ?? [];

    /// <summary>Alice, Bob and M running, all trusting each other, M serving Bob; Alice and Bob connected, and Alice has Bob's list.</summary>
    private async Task<(StoredNode Alice, StoredNode Bob, StoredNode M)> ConnectedAsync(bool aliceTrustsBob = true, bool bobTrustsAlice = true)
    {
        var m = await StoredNode.StartAsync("m", _temp.Combine("m"));
        var bob = await StoredNode.StartAsync("bob", _temp.Combine("bob"));
        var alice = await StoredNode.StartAsync("alice", _temp.Combine("alice"));
        Trust(bob, m, "m");
        Trust(m, bob, "bob");
        Trust(m, alice, "alice");
        Trust(alice, m, "m");
        if (aliceTrustsBob)
            Trust(alice, bob, "bob");
        else
            alice.Node.Trust.RecordContact(bob.Identity.Id, "bob", bob.Key.ToString(), DateTimeOffset.UtcNow);
        if (bobTrustsAlice)
            Trust(bob, alice, "alice");
        Assert.True(m.Node.Mailboxes.Serve(bob.Identity.Id));
        Assert.True((await bob.Node.SendAsync(alice.Key, "hello Alice")).Success);
        return (alice, bob, m);
    }

    /// <summary>
    /// Bob names M while connected to Alice; once Alice has heard, Bob leaves and Alice writes to him: M holds it.
    /// Returns Alice and M running, Bob's ID and the message.
    /// </summary>
    private async Task<(StoredNode Alice, StoredNode M, PeerId BobId, Guid MessageId)> HeldForAbsentBobAsync()
    {
        var (alice, bob, m) = await ConnectedAsync();
        var bobId = bob.Identity.Id;
        // The list Bob sent when the session opened (no mailboxes) has arrived: only a later one can name M.
        await Eventually.HoldsAsync(() => alice.Node.Mailboxes.PeerInfo(bobId) is not null, "Alice has Bob's list from the session opening", Patience);
        Assert.Empty(MailboxesAliceKnowsFor(alice, bobId));

        Assert.True(bob.Node.Mailboxes.Use(m.Identity.Id));
        await Eventually.HoldsAsync(() => MailboxesAliceKnowsFor(alice, bobId).Contains(m.Identity.Id),
            "Alice learns Bob's new mailbox without a reconnect", Patience);
        await Eventually.HoldsAsync(() => bob.Node.Mailboxes.Used().Single().LastState == ServeState.Serving, "M serves Bob", Patience);

        await bob.DisposeAsync();
        var sent = await alice.Node.SendAsync(bobId, "are you there?");
        var held = await alice.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == sent.MessageId, Patience);
        Assert.Equal(m.Identity.Id, held.Mailbox);
        return (alice, m, bobId, sent.MessageId!.Value);
    }

    [Fact]
    public async Task MailboxNamedWhileAContactIsConnected_ReachesIt_AndHoldsItsMessageOnceBobIsGone()
    {
        var (alice, m, _, messageId) = await HeldForAbsentBobAsync();
        await using var __ = m;
        await using var ___ = alice;
        Assert.Equal([m.Identity.Id], alice.Node.Mailboxes.HeldBy(messageId));
    }

    [Fact]
    public async Task MailboxDropsTheEnvelope_ConnectedSenderNoLongerSaysHeld_MessageStaysQueued()
    {
        var (alice, m, bobId, messageId) = await HeldForAbsentBobAsync();
        await using var __ = m;
        await using var ___ = alice;

        Assert.Equal(1, m.Node.Mailboxes.StopServing(bobId));
        await Eventually.HoldsAsync(() => alice.Node.Mailboxes.HeldBy(messageId).Count == 0, "Alice hears M dropped it", Patience);
        Assert.Equal(MessageState.Queued, alice.Store.All().Single(s => s.Id == messageId).State);
        Assert.Empty(m.Node.Mailboxes.DroppedSenders());
    }

    [Fact]
    public async Task MailboxDropsTheEnvelopeWhileTheSenderIsAway_SenderIsToldWhenItConnects()
    {
        var (alice, m, bobId, messageId) = await HeldForAbsentBobAsync();
        await using var __ = m;
        await alice.DisposeAsync();

        Assert.Equal(1, m.Node.Mailboxes.StopServing(bobId));
        Assert.Equal([alice.Identity.Id], m.Node.Mailboxes.DroppedSenders());
        // Alice comes back: a held envelope makes her node connect to M, and M tells her on connecting.
        await using var back = await StoredNode.StartAsync("alice", alice.DataDirectory);
        Assert.Equal([m.Identity.Id], back.Node.Mailboxes.HeldBy(messageId));
        await Eventually.HoldsAsync(() => back.Node.Mailboxes.HeldBy(messageId).Count == 0, "Alice hears M dropped it", Patience);
        Assert.Empty(m.Node.Mailboxes.DroppedSenders());
    }

    [Fact]
    public async Task RecipientTrustsTheSenderDuringTheSession_SenderLearnsItsMailboxes()
    {
        var (alice, bob, m) = await ConnectedAsync(bobTrustsAlice: false);
        await using var _ = m;
        await using var __ = alice;
        await using var ___ = bob;
        Assert.True(bob.Node.Mailboxes.Use(m.Identity.Id));
        // Bob's node asks M on its own; by then a pass has run that would have told Alice if Bob trusted her.
        await Eventually.HoldsAsync(() => bob.Node.Mailboxes.Used().Single().LastState == ServeState.Serving, "M serves Bob", Patience);
        Assert.Empty(MailboxesAliceKnowsFor(alice, bob.Identity.Id));

        bob.Node.TrustPeer(alice.Identity.Id);
        await Eventually.HoldsAsync(() => MailboxesAliceKnowsFor(alice, bob.Identity.Id).Contains(m.Identity.Id),
            "Alice learns Bob's mailboxes once he trusts her, on the open session", Patience);
    }

    [Fact]
    public async Task SenderTrustsTheRecipientDuringTheSession_LearnsWhatItWasToldBefore()
    {
        var (alice, bob, m) = await ConnectedAsync(aliceTrustsBob: false);
        await using var _ = m;
        await using var __ = alice;
        await using var ___ = bob;
        Assert.True(bob.Node.Mailboxes.Use(m.Identity.Id));
        // Bob's list reached Alice (logged) but was not kept: she did not trust him.
        await Eventually.HoldsAsync(() => bob.Node.Mailboxes.Used().Single().LastState == ServeState.Serving, "M serves Bob", Patience);
        Assert.Null(alice.Node.Mailboxes.PeerInfo(bob.Identity.Id));

        alice.Node.TrustPeer(bob.Identity.Id);
        await Eventually.HoldsAsync(() => MailboxesAliceKnowsFor(alice, bob.Identity.Id).Contains(m.Identity.Id),
            "Alice keeps Bob's list once she trusts him, without a reconnect", Patience);
    }
}
