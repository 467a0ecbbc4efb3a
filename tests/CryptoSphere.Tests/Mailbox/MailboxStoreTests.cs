using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// The holder's store: Mallory's node M holds mail for Bob from Alice. Only trusted, approved recipients who
/// asked; quotas, expiry, order, receipts, and nothing readable on disk.
/// </summary>
public sealed class MailboxStoreTests : IDisposable
{
    private readonly MailboxParty _alice = new();
    private readonly MailboxParty _bob = new();
    private readonly MailboxParty _stranger = new();
    private readonly HashSet<PeerId> _trusted = [];
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000));
    private readonly TempDirectory _data = new();
    private MailboxStore _store;

    public MailboxStoreTests()
    {
        _trusted.Add(_alice.Id);
        _trusted.Add(_bob.Id);
        _store = OpenStore();
    }

    public void Dispose()
    {
        _store.Dispose();
        _data.Dispose();
        _alice.Dispose();
        _bob.Dispose();
        _stranger.Dispose();
    }

    private MailboxStore OpenStore() => MailboxStore.Open(_data.Path, id => _trusted.Contains(id), _clock);

    private void ServeBob(MailboxQuota? quota = null)
    {
        Assert.True(_store.Serve(_bob.Id, quota));
        Assert.Equal(ServeState.Serving, _store.Request(_bob.Id, wants: true));
    }

    private SealedEnvelope FromAlice(string text = "hello") => _alice.SealTo(_bob, text);

    [Fact]
    public void ApprovedRecipientWhoAsked_GetsItsEnvelopes_InTheOrderTheyCame()
    {
        ServeBob();
        var sent = Enumerable.Range(0, 5).Select(i => FromAlice($"message {i}")).ToList();

        foreach (var envelope in sent)
            Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, envelope.Encoded.Span));
        var held = _store.Fetch(_bob.Id, max: 10);

        Assert.Equal(sent.Select(e => e.Id), held.Select(h => h.Id));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"message {i}"), held.Select(h => _bob.Opener.Open(h.Data).Payload.Text));
        Assert.All(held, h => Assert.Equal(_alice.Id, h.Sender));
        Assert.Equal(held.Select(h => h.Sequence).Order(), held.Select(h => h.Sequence));
    }

    [Fact]
    public void Fetch_PagesAfterASequence_AndLeavesEnvelopesUntilReceipted()
    {
        ServeBob();
        var sent = Enumerable.Range(0, 3).Select(i => FromAlice($"m{i}")).ToList();
        foreach (var envelope in sent)
            _store.Put(_alice.Id, envelope.Encoded.Span);

        var first = _store.Fetch(_bob.Id, max: 2);
        var rest = _store.Fetch(_bob.Id, max: 2, afterSequence: first[^1].Sequence);
        var again = _store.Fetch(_bob.Id, max: 10);

        Assert.Equal(sent.Select(e => e.Id), first.Concat(rest).Select(h => h.Id));
        Assert.Equal(3, again.Count);
    }

    [Fact]
    public void Stranger_CannotMakeTheNodeStoreAnything()
    {
        var toBob = _stranger.SealTo(_bob, "spam");
        ServeBob();
        var before = _store.Served();

        Assert.Equal(PutOutcome.Stranger, _store.Put(_stranger.Id, toBob.Encoded.Span));
        Assert.Equal(ServeState.Refused, _store.Request(_stranger.Id, wants: true));
        Assert.False(_store.Serve(_stranger.Id));
        Assert.False(_store.Use(_stranger.Id));

        Assert.Equal(before, _store.Served());
        Assert.Empty(_store.Fetch(_bob.Id, 10));
        Assert.Empty(_store.Used());
    }

    [Fact]
    public void MailForAStrangerRecipient_IsNotHeld()
    {
        var toStranger = _alice.SealTo(_stranger, "hi");

        Assert.Equal(PutOutcome.NotServed, _store.Put(_alice.Id, toStranger.Encoded.Span));
        Assert.Empty(_store.Fetch(_stranger.Id, 10));
    }

    [Fact]
    public void Recipient_MustBeApprovedAndHaveAsked()
    {
        Assert.Equal(PutOutcome.NotServed, _store.Put(_alice.Id, FromAlice().Encoded.Span));

        Assert.Equal(ServeState.Pending, _store.Request(_bob.Id, wants: true));
        Assert.Equal(PutOutcome.NotServed, _store.Put(_alice.Id, FromAlice().Encoded.Span));
        Assert.Equal(ServeState.Pending, Assert.Single(_store.Served()).State);

        Assert.True(_store.Serve(_bob.Id));
        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, FromAlice().Encoded.Span));
        Assert.Equal(ServeState.Serving, Assert.Single(_store.Served()).State);
    }

    [Fact]
    public void ApprovedButNeverAsked_IsNotServed()
    {
        Assert.True(_store.Serve(_bob.Id));

        Assert.Equal(PutOutcome.NotServed, _store.Put(_alice.Id, FromAlice().Encoded.Span));
    }

    [Fact]
    public void RevokingTrust_StopsHoldingAtOnce()
    {
        ServeBob();
        _trusted.Remove(_bob.Id);

        Assert.Equal(PutOutcome.NotServed, _store.Put(_alice.Id, FromAlice().Encoded.Span));
    }

    [Fact]
    public void RecipientAskingToStop_DropsWhatIsHeld()
    {
        ServeBob();
        _store.Put(_alice.Id, FromAlice().Encoded.Span);

        Assert.Equal(ServeState.Stopped, _store.Request(_bob.Id, wants: false));

        Assert.Empty(_store.Fetch(_bob.Id, 10));
        Assert.Equal(PutOutcome.NotServed, _store.Put(_alice.Id, FromAlice().Encoded.Span));
    }

    [Fact]
    public void EnvelopeHandedOverByAnyoneButItsSigner_OrAltered_IsInvalid()
    {
        ServeBob();
        var envelope = FromAlice().Encoded.ToArray();
        var altered = (byte[])envelope.Clone();
        altered[^100] ^= 1;

        Assert.Equal(PutOutcome.Invalid, _store.Put(_bob.Id, envelope));
        Assert.Equal(PutOutcome.Invalid, _store.Put(_alice.Id, altered));
        Assert.Equal(PutOutcome.Invalid, _store.Put(_alice.Id, envelope[..^1]));
        Assert.Empty(_store.Fetch(_bob.Id, 10));
    }

    [Fact]
    public void SameEnvelopeTwice_IsHeldOnce()
    {
        ServeBob();
        var envelope = FromAlice();

        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, envelope.Encoded.Span));
        Assert.Equal(PutOutcome.AlreadyHeld, _store.Put(_alice.Id, envelope.Encoded.Span));

        Assert.Single(_store.Fetch(_bob.Id, 10));
    }

    [Fact]
    public void CountQuota_RefusesTheEnvelopeOverIt()
    {
        ServeBob(MailboxQuota.Default with { MaxEnvelopes = 2 });

        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, FromAlice("1").Encoded.Span));
        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, FromAlice("2").Encoded.Span));
        Assert.Equal(PutOutcome.OverQuota, _store.Put(_alice.Id, FromAlice("3").Encoded.Span));

        var status = Assert.Single(_store.Served());
        Assert.Equal(2, status.HeldCount);
        Assert.Equal(2, _store.Fetch(_bob.Id, 10).Count);
    }

    [Fact]
    public void ByteQuota_RefusesTheEnvelopeOverIt()
    {
        var big = new string('x', 200_000);
        ServeBob(MailboxQuota.Default with { MaxBytes = EnvelopeCodec.MaxEnvelopeBytes });

        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, FromAlice(big).Encoded.Span));
        Assert.Equal(PutOutcome.OverQuota, _store.Put(_alice.Id, FromAlice(big).Encoded.Span));
        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, FromAlice("small").Encoded.Span));

        var status = Assert.Single(_store.Served());
        Assert.Equal(2, status.HeldCount);
        Assert.InRange(status.HeldBytes, 200_000, EnvelopeCodec.MaxEnvelopeBytes);
    }

    [Fact]
    public void UnusableQuota_IsRefusedWithAReason()
    {
        var error = Assert.Throws<ArgumentException>(() => _store.Serve(_bob.Id, MailboxQuota.Default with { MaxEnvelopes = 0 }));

        Assert.Contains("at least 1", error.Message);
        Assert.Empty(_store.Served());
    }

    [Fact]
    public void ExpiredEnvelopes_AreNotFetched_AndSweptAway_AndFreeTheQuota()
    {
        ServeBob(MailboxQuota.Default with { MaxEnvelopes = 1, Expiry = TimeSpan.FromHours(1) });
        _store.Put(_alice.Id, FromAlice("old").Encoded.Span);

        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Single(_store.Fetch(_bob.Id, 10));
        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Empty(_store.Fetch(_bob.Id, 10));
        Assert.Equal(0, Assert.Single(_store.Served()).HeldCount);
        Assert.Equal(1, _store.Sweep());
        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, FromAlice("new").Encoded.Span));
    }

    [Fact]
    public void Receipt_DeletesTheEnvelope_AndWaitsForTheSender()
    {
        ServeBob();
        var envelope = FromAlice();
        _store.Put(_alice.Id, envelope.Encoded.Span);
        var opened = _bob.Opener.Open(_store.Fetch(_bob.Id, 1)[0].Data);
        var receipt = DeliveryReceipt.Create(_bob.Identity, opened);

        Assert.Equal(ReceiptOutcome.Accepted, _store.AcceptReceipt(_bob.Id, receipt.Encoded.Span));

        Assert.Empty(_store.Fetch(_bob.Id, 10));
        var waiting = Assert.Single(_store.ReceiptsFor(_alice.Id));
        waiting.VerifyFor(_alice.Id, _bob.Id, opened.Payload.MessageId);
        Assert.Equal(envelope.Id, waiting.EnvelopeId);
        Assert.Equal(ReceiptOutcome.Unknown, _store.AcceptReceipt(_bob.Id, receipt.Encoded.Span));
        Assert.True(_store.ForgetReceipt(_alice.Id, envelope.Id));
        Assert.Empty(_store.ReceiptsFor(_alice.Id));
    }

    [Fact]
    public void Receipt_FromAnyoneButTheRecipient_OrForNoHeldEnvelope_ChangesNothing()
    {
        ServeBob();
        _store.Put(_alice.Id, FromAlice().Encoded.Span);
        var opened = _bob.Opener.Open(_store.Fetch(_bob.Id, 1)[0].Data);
        var receipt = DeliveryReceipt.Create(_bob.Identity, opened).Encoded.ToArray();
        var unrelated = DeliveryReceipt.Create(_bob.Identity, _bob.Opener.Open(FromAlice("never held"))).Encoded.ToArray();
        var altered = (byte[])receipt.Clone();
        altered[20] ^= 1;

        Assert.Equal(ReceiptOutcome.Invalid, _store.AcceptReceipt(_alice.Id, receipt));
        Assert.Equal(ReceiptOutcome.Invalid, _store.AcceptReceipt(_bob.Id, altered));
        Assert.Equal(ReceiptOutcome.Unknown, _store.AcceptReceipt(_bob.Id, unrelated));

        Assert.Single(_store.Fetch(_bob.Id, 10));
        Assert.Empty(_store.ReceiptsFor(_alice.Id));
    }

    [Fact]
    public void OldReceipts_AreSweptAway()
    {
        ServeBob();
        _store.Put(_alice.Id, FromAlice().Encoded.Span);
        var opened = _bob.Opener.Open(_store.Fetch(_bob.Id, 1)[0].Data);
        _store.AcceptReceipt(_bob.Id, DeliveryReceipt.Create(_bob.Identity, opened).Encoded.Span);

        _clock.Advance(MailboxStore.ReceiptLifetime + TimeSpan.FromMinutes(1));
        _store.Sweep();

        Assert.Empty(_store.ReceiptsFor(_alice.Id));
    }

    [Fact]
    public void DatabaseFiles_HoldNoPlaintext_AndAreOwnerOnly()
    {
        const string text = "Meet at the north gate at 0600, bring the blue folder";
        ServeBob();
        for (var i = 0; i < 20; i++)
            Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, FromAlice($"{text} #{i}").Encoded.Span));
        var held = _store.Fetch(_bob.Id, 100);
        Assert.Equal(20, held.Count);
        Assert.Equal($"{text} #0", _bob.Opener.Open(held[0].Data).Payload.Text);
        _store.AcceptReceipt(_bob.Id, DeliveryReceipt.Create(_bob.Identity, _bob.Opener.Open(held[1].Data)).Encoded.Span);

        var files = Directory.GetFiles(_data.Path, MailboxStore.FileName + "*");
        var bytes = files.SelectMany(File.ReadAllBytes).ToArray();

        Assert.Contains(_data.Combine(MailboxStore.FileName), files);
        Assert.True(bytes.Length > 20 * 300, "the envelopes are not in the files searched");
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("north gate")));
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes("north gate")));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("blue folder"u8));
        if (!OperatingSystem.IsWindows())
            Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    [Fact]
    public void Restart_LosesNothing()
    {
        ServeBob();
        var sent = Enumerable.Range(0, 3).Select(i => FromAlice($"kept {i}")).ToList();
        foreach (var envelope in sent)
            _store.Put(_alice.Id, envelope.Encoded.Span);
        Assert.True(_store.Use(_alice.Id));

        _store.Dispose();
        _store = OpenStore();

        Assert.Equal(sent.Select(e => e.Id), _store.Fetch(_bob.Id, 10).Select(h => h.Id));
        Assert.Equal(ServeState.Serving, Assert.Single(_store.Served()).State);
        Assert.Equal(_alice.Id, Assert.Single(_store.Used()).Mailbox);
    }

    [Fact]
    public void UsedMailboxes_RecordAnswers_AndAreCapped()
    {
        Assert.True(_store.Use(_alice.Id));
        _store.RecordAnswer(_alice.Id, ServeState.Pending);

        var used = Assert.Single(_store.Used());
        Assert.Equal(ServeState.Pending, used.LastState);
        Assert.Equal(_clock.GetUtcNow(), used.LastAnswerAt);

        var others = Enumerable.Range(0, MailboxStore.MaxUsed).Select(_ => NodeIdentity.CreateEphemeral()).ToList();
        foreach (var other in others)
            _trusted.Add(other.Id);
        var accepted = others.Count(o => _store.Use(o.Id));
        Assert.Equal(MailboxStore.MaxUsed - 1, accepted);
        Assert.True(_store.StopUsing(_alice.Id));
        others.ForEach(o => o.Dispose());
    }
}
