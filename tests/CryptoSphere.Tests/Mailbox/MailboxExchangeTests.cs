using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// The mailbox exchange over real TLS connections on 127.0.0.1: Alice and Bob are never online together,
/// Mallory's node M is always on (or restarts) and holds Bob's mail.
/// </summary>
public sealed class MailboxExchangeTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _alice;
    private readonly string _bob;
    private readonly string _mailbox;
    private readonly PeerId _aliceId;
    private readonly PeerId _bobId;
    private readonly PeerId _mailboxId;

    public MailboxExchangeTests()
    {
        (_alice, _bob, _mailbox) = (_temp.Combine("alice"), _temp.Combine("bob"), _temp.Combine("mailbox"));
        _aliceId = IdOf(_alice);
        _bobId = IdOf(_bob);
        _mailboxId = IdOf(_mailbox);
    }

    public void Dispose() => _temp.Dispose();

    private static PeerId IdOf(string dataDirectory)
    {
        using var identity = NodeIdentity.LoadOrCreate(dataDirectory);
        return identity.Id;
    }

    private MailboxPeer Start(string dataDirectory) => new(dataDirectory, [_aliceId, _bobId, _mailboxId]);

    /// <summary>
    /// Set-up while everyone is around once (as when they exchanged IDs): Bob uses M, M serves Bob, and Alice
    /// learns Bob's key and mailbox. Alice and Bob meet only through M here too: Bob's info reaches Alice over
    /// a direct connection made while Alice's node is up and Bob's is briefly.
    /// </summary>
    private async Task SetUpAsync()
    {
        await using var m = Start(_mailbox);
        Assert.True(m.Store.Serve(_bobId));
        await using (var bob = Start(_bob))
        {
            Assert.True(bob.Store.Use(_mailboxId));
            await bob.ConnectAsync(m);
            await Eventually.HoldsAsync(() => bob.Store.Used().Single().LastState == ServeState.Serving, "M serves Bob");
            await using var alice = Start(_alice);
            await alice.ConnectAsync(bob);
            await Eventually.HoldsAsync(() => alice.Store.PeerInfo(_bobId) is { } info && info.Directory.Entries.Count == 1, "Alice knows Bob's mailbox");
        }
    }

    private static async Task<Guid> AliceLeavesAsync(MailboxPeer alice, MailboxPeer m, string text)
    {
        var messageId = Guid.CreateVersion7();
        var envelope = alice.Client.Seal(m.Store.Served().Single().Recipient, EnvelopePayload.Direct(messageId, DateTimeOffset.UtcNow, text));
        Assert.NotNull(envelope);
        var toMailbox = await alice.ConnectAsync(m);
        Assert.Equal(m.Id, Assert.Single(alice.Client.MailboxesOf(envelope.Recipient)).Mailbox);
        await alice.Client.PutAsync(envelope, messageId, m.Id, toMailbox);
        await Eventually.HoldsAsync(() => alice.Answers.Any(a => a.Message == messageId), "M answers Alice's envelope");
        Assert.Equal(PutOutcome.Held, alice.Answers.Single(a => a.Message == messageId).Outcome);
        Assert.Equal([m.Id], alice.Store.HeldBy(messageId));
        return messageId;
    }

    [Fact]
    public async Task AliceToBob_ThroughM_NeverOnlineTogether_ExactlyOnce_AndAliceSeesDelivered()
    {
        await SetUpAsync();
        const string text = "Shift notes: the pump in bay 3 needs a new seal";
        await using var m = Start(_mailbox);

        Guid messageId;
        await using (var alice = Start(_alice))
            messageId = await AliceLeavesAsync(alice, m, text);

        await using (var bob = Start(_bob))
        {
            await bob.ConnectAsync(m);
            await Eventually.HoldsAsync(() => !bob.Received.IsEmpty, "Bob gets the envelope");
            await Eventually.HoldsAsync(() => m.Store.Fetch(_bobId, 10).Count == 0, "M deletes the envelope on Bob's receipt");
            var (opened, via) = Assert.Single(bob.Received);
            Assert.Equal(text, opened.Payload.Text);
            Assert.Equal(messageId, opened.Payload.MessageId);
            Assert.Equal(_aliceId, opened.Author);
            Assert.Equal(_mailboxId, via);
            Assert.False(opened.Duplicate);
        }

        Assert.Single(m.Store.ReceiptsFor(_aliceId));
        await using (var alice = Start(_alice))
        {
            await alice.ConnectAsync(m);
            await Eventually.HoldsAsync(() => !alice.Delivered.IsEmpty, "Alice gets Bob's receipt");
            var receipt = Assert.Single(alice.Delivered);
            Assert.Equal(messageId, receipt.MessageId);
            Assert.Equal(_bobId, receipt.Recipient);
            await Eventually.HoldsAsync(() => m.Store.ReceiptsFor(_aliceId).Count == 0, "M forgets the receipt once Alice has it");
        }

        var bytes = Directory.GetFiles(_mailbox, MailboxStore.FileName + "*").SelectMany(File.ReadAllBytes).ToArray();
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("pump in bay 3")));
    }

    [Fact]
    public async Task MRestarting_LosesNothing_AndAReplayedEnvelopeIsShownOnce()
    {
        await SetUpAsync();
        Guid messageId;
        await using (var m = Start(_mailbox))
        await using (var alice = Start(_alice))
            messageId = await AliceLeavesAsync(alice, m, "survives a restart");

        await using (var m = Start(_mailbox))
        await using (var bob = Start(_bob))
        {
            var held = Assert.Single(m.Store.Fetch(_bobId, 10));
            var toMailbox = await bob.ConnectAsync(m);
            await Eventually.HoldsAsync(() => bob.Received.Count == 1, "Bob gets the envelope after M restarted");

            // M (now hostile) hands the same envelope again: Bob opens it but marks it a duplicate.
            await bob.Client.HandleAsync(_mailboxId, Core.Secure.FrameType.Envelope,
                FrameBody.Of(new Core.Secure.Messages.EnvelopeMessage(held.Sequence, held.Data)), toMailbox);
            await bob.Client.HandleAsync(_mailboxId, Core.Secure.FrameType.MailboxFetchEnd, FrameBody.Of(new Core.Secure.Messages.MailboxFetchEndMessage(0)), toMailbox);

            Assert.Equal(2, bob.Received.Count);
            Assert.Equal(1, bob.Received.Count(r => !r.Opened.Duplicate));
            Assert.Equal(messageId, bob.Received.First().Opened.Payload.MessageId);
        }
    }

    [Fact]
    public async Task TamperedEnvelope_IsDroppedUnread_AndNoReceiptIsSent()
    {
        await SetUpAsync();
        await using var m = Start(_mailbox);
        await using (var alice = Start(_alice))
            await AliceLeavesAsync(alice, m, "tamper with me");

        await using var bob = Start(_bob);
        var held = m.Store.Fetch(_bobId, 10).Single();
        var tampered = held.Data.ToArray();
        tampered[^80] ^= 0x01;
        await bob.ConnectAsync(m);
        await Eventually.HoldsAsync(() => bob.Received.Count == 1, "Bob gets the genuine envelope");
        var answers = 0;

        // The tampered copy comes from M (whom Bob fetches from); Bob's answers to it are counted, not sent.
        Core.Mailbox.FrameSender counted = _ =>
        {
            Interlocked.Increment(ref answers);
            return ValueTask.CompletedTask;
        };
        await bob.Client.HandleAsync(_mailboxId, Core.Secure.FrameType.Envelope,
            FrameBody.Of(new Core.Secure.Messages.EnvelopeMessage(held.Sequence + 1, tampered)), counted);
        await bob.Client.HandleAsync(_mailboxId, Core.Secure.FrameType.MailboxFetchEnd, FrameBody.Of(new Core.Secure.Messages.MailboxFetchEndMessage(0)), counted);

        Assert.Single(bob.Received);
        Assert.Equal(0, answers);
    }

    [Fact]
    public async Task Stranger_CannotUseTheNodeAsAMailbox()
    {
        await using var m = Start(_mailbox);
        await using var stranger = new MailboxPeer(_temp.Combine("stranger"), [_mailboxId, _bobId]);
        Assert.True(stranger.Store.Use(_mailboxId));
        await stranger.ConnectAsync(m);
        await Eventually.HoldsAsync(() => stranger.Store.Used().Single().LastState is not null, "M answers the stranger");

        Assert.Equal(ServeState.Refused, stranger.Store.Used().Single().LastState);
        Assert.Empty(m.Store.Served());
        Assert.Null(m.Store.PeerInfo(stranger.Id));
    }
}
