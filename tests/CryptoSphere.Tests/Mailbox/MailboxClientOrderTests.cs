using System.Buffers;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// The recipient's side of a fetch against a mailbox that misbehaves on purpose: it hands envelopes over in the
/// wrong order, or more of them than were asked for. The client alone, fed the frames a mailbox would send.
/// </summary>
public sealed class MailboxClientOrderTests : IDisposable
{
    private readonly MailboxParty _bob = new();
    private readonly MailboxParty _alice = new();
    private readonly MailboxParty _carol = new();
    private readonly MailboxParty _mailbox = new();
    private readonly MailboxStore _store = MailboxStore.OpenInMemory(_ => true);
    private readonly List<OpenedEnvelope> _taken = [];
    private readonly List<byte[]> _sent = [];
    private readonly MailboxClient _client;
    private long _sequence;

    public MailboxClientOrderTests()
    {
        Assert.True(_store.Use(_mailbox.Id));
        _client = new MailboxClient(_bob.Identity, _bob.Agreement, _store, new SeenMessages())
        {
            OnMessage = (opened, _) =>
            {
                _taken.Add(opened);
                return ValueTask.FromResult(true);
            },
        };
    }

    public void Dispose()
    {
        _store.Dispose();
        foreach (var party in new[] { _bob, _alice, _carol, _mailbox })
            party.Dispose();
    }

    private ValueTask Send(Action<IBufferWriter<byte>> encode)
    {
        var output = new ArrayBufferWriter<byte>();
        encode(output);
        _sent.Add(output.WrittenSpan.ToArray());
        return ValueTask.CompletedTask;
    }

    private IEnumerable<Guid> ReceiptsSent() => _sent.Where(f => f[4] == (byte)FrameType.Receipt)
        .Select(f => DeliveryReceipt.Decode(ReceiptMessage.Decode(new ReadOnlySequence<byte>(f.AsMemory(5))).Receipt).MessageId);

    private ValueTask HandOverAsync(SealedEnvelope envelope) =>
        _client.HandleAsync(_mailbox.Id, FrameType.Envelope, FrameBody.Of(new EnvelopeMessage(++_sequence, envelope.Encoded.ToArray())), Send);

    private ValueTask EndFetchAsync(int remaining = 0) =>
        _client.HandleAsync(_mailbox.Id, FrameType.MailboxFetchEnd, FrameBody.Of(new MailboxFetchEndMessage(remaining)), Send);

    private IEnumerable<MailboxFetchMessage> FetchesSent() => _sent.Where(f => f[4] == (byte)FrameType.MailboxFetch)
        .Select(f => MailboxFetchMessage.Decode(new ReadOnlySequence<byte>(f.AsMemory(5))));

    private SealedEnvelope Direct(int place) =>
        _alice.SealTo(_bob, EnvelopePayload.Direct(Guid.CreateVersion7(), DateTimeOffset.UtcNow, $"direct {place}", order: place));

    [Fact]
    public async Task EnvelopesHandedOverInReverse_AreTakenInTheSendersOrder_DirectByPlace_GroupByLamportThenAuthor()
    {
        await _client.OnConnectedAsync(_mailbox.Id, Send);
        var group = Guid.CreateVersion7();
        var sentAt = DateTimeOffset.UtcNow;
        // All sent in the same millisecond: only the order field can tell them apart.
        var direct = Enumerable.Range(1, 3).Select(i => EnvelopePayload.Direct(Guid.CreateVersion7(), sentAt, $"direct {i}", order: i)).ToList();
        var fromAlice = EnvelopePayload.Group(group, Guid.CreateVersion7(), 7, sentAt, "group at 7 by alice");
        var fromCarol = EnvelopePayload.Group(group, Guid.CreateVersion7(), 7, sentAt, "group at 7 by carol");
        var earlier = EnvelopePayload.Group(group, Guid.CreateVersion7(), 5, sentAt, "group at 5 by carol");

        foreach (var payload in Enumerable.Reverse(direct))
            await HandOverAsync(_alice.SealTo(_bob, payload));
        await HandOverAsync(_carol.SealTo(_bob, fromCarol));
        await HandOverAsync(_alice.SealTo(_bob, fromAlice));
        await HandOverAsync(_carol.SealTo(_bob, earlier));
        Assert.Empty(_taken); // nothing is taken before the fetch ends

        await EndFetchAsync();

        var texts = _taken.Select(t => t.Payload.Text).ToList();
        Assert.Equal(["direct 1", "direct 2", "direct 3"], texts.Where(t => t.StartsWith("direct", StringComparison.Ordinal)));
        var alicesFirst = string.CompareOrdinal(_alice.Id.Value, _carol.Id.Value) < 0;
        Assert.Equal(["group at 5 by carol", alicesFirst ? "group at 7 by alice" : "group at 7 by carol", alicesFirst ? "group at 7 by carol" : "group at 7 by alice"],
            texts.Where(t => t.StartsWith("group", StringComparison.Ordinal)));
        Assert.Equal(_taken.Select(t => t.Payload.MessageId), ReceiptsSent());
    }

    [Fact]
    public async Task MoreEnvelopesThanAskedFor_AreIgnored_AndGetNoReceipt()
    {
        await _client.OnConnectedAsync(_mailbox.Id, Send);
        var fetch = _sent.Single(f => f[4] == (byte)FrameType.MailboxFetch);
        var asked = MailboxFetchMessage.Decode(new ReadOnlySequence<byte>(fetch.AsMemory(5))).Max;

        for (var i = 0; i < asked + 5; i++)
            await HandOverAsync(_alice.SealTo(_bob, EnvelopePayload.Direct(Guid.CreateVersion7(), DateTimeOffset.UtcNow, $"flood {i}", order: i + 1)));
        await EndFetchAsync();

        Assert.Equal(asked, _taken.Count);
        Assert.Equal(asked, ReceiptsSent().Count());
    }

    [Fact]
    public async Task EnvelopesFromAPeerThatIsNotOurMailbox_AreNeverTaken()
    {
        await HandOverAsync(_alice.SealTo(_bob, "not fetched from you"));
        await EndFetchAsync();

        Assert.Empty(_taken);
        Assert.Empty(ReceiptsSent());
    }

    [Fact]
    public async Task EnvelopeMovedIntoALaterBatch_NothingIsTakenUntilTheFetchIsOver_ThenAllInTheSendersOrder()
    {
        await _client.OnConnectedAsync(_mailbox.Id, Send);
        var batch = MailboxFetchRun.Batch;
        // The first batch brings places 2 to batch + 1; place 1 comes in the second.
        for (var place = 2; place <= batch + 1; place++)
            await HandOverAsync(Direct(place));
        await EndFetchAsync(remaining: 1);
        Assert.Empty(_taken);
        Assert.Empty(ReceiptsSent());
        Assert.Equal([0L, batch], FetchesSent().Select(f => f.AfterSequence));

        await HandOverAsync(Direct(1));
        await EndFetchAsync();

        Assert.Equal(Enumerable.Range(1, batch + 1).Select(p => $"direct {p}"), _taken.Select(t => t.Payload.Text));
        Assert.DoesNotContain(_taken, t => t.Late);
        Assert.Equal(_taken.Select(t => t.Payload.MessageId), ReceiptsSent());
        Assert.Equal(2, FetchesSent().Count());
    }

    [Fact]
    public async Task EnvelopeHeldBackBeyondTheFetch_IsTakenOnce_AndMarkedLate_TheOnesInOrderAreNot()
    {
        await _client.OnConnectedAsync(_mailbox.Id, Send);
        await HandOverAsync(Direct(2));
        await HandOverAsync(Direct(3));
        await EndFetchAsync();

        // The next connection: the mailbox hands over place 1 only now.
        await _client.OnConnectedAsync(_mailbox.Id, Send);
        await HandOverAsync(Direct(1));
        await HandOverAsync(Direct(4));
        await EndFetchAsync();

        Assert.Equal(["direct 2", "direct 3", "direct 1", "direct 4"], _taken.Select(t => t.Payload.Text));
        Assert.Equal([false, false, true, false], _taken.Select(t => t.Late));
        Assert.Equal(_taken.Select(t => t.Payload.MessageId), ReceiptsSent());
    }

    [Fact]
    public async Task MoreThanTheRunHolds_IsTakenInOrderAtTheCap_AndTheFetchGoesOn()
    {
        await _client.OnConnectedAsync(_mailbox.Id, Send);
        var batch = MailboxFetchRun.Batch;
        var batchesHeld = MailboxFetchRun.MaxEnvelopes / batch;
        var place = batchesHeld * batch;
        for (var b = 0; b < batchesHeld; b++)
        {
            Assert.Empty(_taken);
            // Each batch newest first, every batch older than the one before.
            for (var i = 0; i < batch; i++)
                await HandOverAsync(Direct(place--));
            await EndFetchAsync(remaining: 10);
        }

        Assert.Equal(MailboxFetchRun.MaxEnvelopes, _taken.Count);
        Assert.Equal(Enumerable.Range(1, MailboxFetchRun.MaxEnvelopes).Select(p => $"direct {p}"), _taken.Select(t => t.Payload.Text));
        Assert.Equal(batchesHeld + 1, FetchesSent().Count());
    }

    [Fact]
    public async Task MailboxThatSaysItHoldsMoreButBringsNothing_IsNotAskedAgain_AndWhatCameIsTaken()
    {
        await _client.OnConnectedAsync(_mailbox.Id, Send);
        await HandOverAsync(Direct(1));
        await EndFetchAsync(remaining: 5);
        Assert.Equal(2, FetchesSent().Count());

        await EndFetchAsync(remaining: 5);

        Assert.Equal(2, FetchesSent().Count());
        Assert.Equal(["direct 1"], _taken.Select(t => t.Payload.Text));
        Assert.Single(ReceiptsSent());
    }
}
