using System.Buffers;
using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The sender's and the recipient's half of the mailbox exchange (docs/protocol.md §18.6): tells contacts our
/// agreement key and mailboxes, leaves sealed envelopes with a recipient's mailboxes, fetches and opens our
/// own mail, and turns receipts into "delivered". The node supplies the connections and stores the messages.
/// </summary>
internal sealed class MailboxClient(NodeIdentity identity, AgreementKey agreementKey, MailboxStore store, ISeenMessages seen,
    ILogger? logger = null, TimeProvider? clock = null)
{
    /// <summary>The frames this half answers; RECEIPT too, when it is for our own message (<see cref="MailboxProtocol"/> routes it).</summary>
    public static readonly FrameType[] FrameTypes =
        [FrameType.MailboxInfo, FrameType.MailboxStatus, FrameType.EnvelopeResult, FrameType.Envelope, FrameType.MailboxFetchEnd];

    private readonly ILogger _log = logger ?? NullLogger.Instance;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly EnvelopeOpener _opener = new(agreementKey, seen);
    private readonly ConcurrentDictionary<PeerId, long> _lastSequence = new();
    // Per mailbox: the envelopes of the fetch in progress, opened, taken in the senders' order when it ends.
    private readonly ConcurrentDictionary<PeerId, MailboxFetchRun> _runs = new();
    // Per peer: its last MAILBOX_INFO that was not kept (it was not trusted when it came), in memory only, so trusting
    // it during the session learns its mailboxes then (LearnKept) instead of at the next reconnect. The node drops it
    // when the session ends (Forget): one bounded frame per connected peer at most.
    private readonly ConcurrentDictionary<PeerId, MailboxInfoMessage> _notKept = new();

    /// <summary>
    /// A message opened from a mailbox envelope (<see cref="OpenedEnvelope.Duplicate"/> when already seen). The
    /// receipt is sent only when this returns true, after it completes: the node must have stored the message
    /// durably by then. False leaves the envelope at the mailbox (a message this node does not take: blocked author,
    /// a group it is not in). Called when a fetch ends, in the senders' order (see <see cref="TakeAsync"/>).
    /// </summary>
    public Func<OpenedEnvelope, PeerId, ValueTask<bool>>? OnMessage { get; init; }

    /// <summary>A receipt for one of our messages, checked: the message is delivered.</summary>
    public Action<DeliveryReceipt>? OnDelivered { get; init; }

    /// <summary>A mailbox answered about an envelope of ours: (message ID, recipient, mailbox, outcome).</summary>
    public Action<Guid, PeerId, PeerId, PutOutcome>? OnPutAnswered { get; init; }

    /// <summary>Where this node last reached a peer (<c>host:port</c>), for the hints in our mailbox directory.</summary>
    public Func<PeerId, string?>? AddressOf { get; init; }

    /// <summary>Our agreement key and the mailboxes we use, for a contact.</summary>
    public MailboxInfoMessage Info() =>
        new(agreementKey.Record.Encoded.ToArray(),
            MailboxDirectory.Create(identity, store.Used().Select(u => new MailboxEntry(u.Mailbox, AddressOf?.Invoke(u.Mailbox))), _clock).Encoded.ToArray());

    /// <summary>
    /// A secure session with <paramref name="peer"/> opened: tell it how to seal mail to us, and if it is one of
    /// our mailboxes, ask it to hold our mail and fetch what it holds.
    /// </summary>
    public async ValueTask OnConnectedAsync(PeerId peer, FrameSender send)
    {
        await send(Info().Encode).ConfigureAwait(false);
        if (store.Used().Any(u => u.Mailbox == peer))
        {
            await send(new MailboxRequestMessage(true).Encode).ConfigureAwait(false);
            _lastSequence[peer] = 0;
            await AskAsync(_runs[peer] = new MailboxFetchRun(), 0, send).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Seals <paramref name="payload"/> to <paramref name="recipient"/>; null when the recipient never told us
    /// its agreement key (it has not run a node that knows mailboxes while we were connected).
    /// </summary>
    public SealedEnvelope? Seal(PeerId recipient, EnvelopePayload payload)
    {
        if (store.PeerInfo(recipient) is not { } info)
            return null;
        return EnvelopeSealer.Seal(identity, recipient, info.Key, payload, _clock);
    }

    /// <summary>The mailboxes <paramref name="recipient"/> named in its signed directory.</summary>
    public IReadOnlyList<MailboxEntry> MailboxesOf(PeerId recipient) => store.PeerInfo(recipient)?.Directory.Entries ?? [];

    /// <summary>Leaves <paramref name="envelope"/> with <paramref name="mailbox"/>; its answer arrives as ENVELOPE_RESULT.</summary>
    public async ValueTask PutAsync(SealedEnvelope envelope, Guid messageId, PeerId mailbox, FrameSender send)
    {
        store.RecordSent(envelope, messageId, mailbox);
        await send(new EnvelopePutMessage(envelope.Encoded.ToArray()).Encode).ConfigureAwait(false);
    }

    /// <summary>Handles one frame of <see cref="FrameTypes"/>; a malformed body is a <see cref="FrameFormatException"/>.</summary>
    public async ValueTask HandleAsync(PeerId from, FrameType type, ReadOnlySequence<byte> body, FrameSender send)
    {
        switch (type)
        {
            case FrameType.MailboxInfo:
                LearnInfo(from, MailboxInfoMessage.Decode(body));
                break;
            case FrameType.MailboxStatus:
                var status = MailboxStatusMessage.Decode(body);
                if (store.Used().Any(u => u.Mailbox == from))
                {
                    store.RecordAnswer(from, status.State);
                    MailboxLog.MailboxAnswered(_log, from.Short, status.State);
                }
                break;
            case FrameType.EnvelopeResult:
                var result = EnvelopeResultMessage.Decode(body);
                if (store.RecordOutcome(from, result.EnvelopeId, result.Outcome) is { } sent && sent.Mailbox == from)
                    OnPutAnswered?.Invoke(sent.MessageId, sent.Recipient, from, result.Outcome);
                break;
            case FrameType.Envelope:
                OnEnvelope(from, EnvelopeMessage.Decode(body));
                break;
            case FrameType.MailboxFetchEnd:
                var end = MailboxFetchEndMessage.Decode(body);
                if (!_runs.TryGetValue(from, out var run) || !_lastSequence.TryGetValue(from, out var last))
                    break;
                // Fetched on while the mailbox has more and hands over something new (one that says it has more but
                // brings nothing is not asked again on this connection); taken when it is done or the run is full.
                var more = end.Remaining > 0 && last > run.After;
                if (!more || run.Full)
                    await TakeAsync(from, run, send).ConfigureAwait(false);
                if (more)
                    await AskAsync(run, last, send).ConfigureAwait(false);
                break;
            case FrameType.Receipt:
                await OnReceiptAsync(from, ReceiptMessage.Decode(body), send).ConfigureAwait(false);
                break;
        }
    }

    /// <summary><paramref name="peer"/> became trusted during its session: learn what it told us while it was not.</summary>
    public void LearnKept(PeerId peer)
    {
        if (_notKept.TryRemove(peer, out var info))
            LearnInfo(peer, info);
    }

    /// <summary><paramref name="peer"/>'s session ended: what it told us while untrusted is forgotten.</summary>
    public void Forget(PeerId peer) => _notKept.TryRemove(peer, out _);

    private void LearnInfo(PeerId from, MailboxInfoMessage info)
    {
        try
        {
            // Not kept (untrusted, or not newer than the one kept): remembered for LearnKept; kept: nothing to remember.
            if (store.LearnPeer(from, AgreementKeyRecord.Decode(info.AgreementKey), MailboxDirectory.Decode(info.Directory)))
                _notKept.TryRemove(from, out _);
            else
                _notKept[from] = info;
        }
        catch (EnvelopeException e)
        {
            MailboxLog.InfoRefused(_log, from.Short, e.Message);
        }
    }

    private static async ValueTask AskAsync(MailboxFetchRun run, long after, FrameSender send)
    {
        run.Ask(after);
        await send(new MailboxFetchMessage(MailboxFetchRun.Batch, after).Encode).ConfigureAwait(false);
    }

    private void OnEnvelope(PeerId mailbox, EnvelopeMessage message)
    {
        // Only a mailbox we asked may hand us envelopes; anyone else's are dropped unread.
        if (!_lastSequence.TryGetValue(mailbox, out var last) || !_runs.TryGetValue(mailbox, out var run))
        {
            MailboxLog.EnvelopeRefused(_log, mailbox.Short, "not a mailbox this node fetches from");
            return;
        }
        _lastSequence[mailbox] = Math.Max(last, message.Sequence);
        OpenedEnvelope opened;
        try
        {
            opened = _opener.Open(message.Envelope);
        }
        catch (EnvelopeException e)
        {
            MailboxLog.EnvelopeRefused(_log, mailbox.Short, e.Message);
            return;
        }
        MailboxLog.Opened(_log, opened.Envelope.Id, opened.Author.Short, mailbox.Short, opened.Duplicate);
        // More than we asked for is ignored (no receipt: it stays at the mailbox), so a mailbox cannot make us buffer without end.
        run.Add(opened);
    }

    /// <summary>
    /// The fetch ended (or held all it may): the envelopes it brought are taken in their senders' order, whatever
    /// order and batches the mailbox handed them over in (<see cref="MailboxFetchRun"/>), so a reordering mailbox
    /// changes nothing the user sees. A direct message placed before one already taken from an earlier fetch comes
    /// <see cref="OpenedEnvelope.Late"/>: the mailbox held it back past the caps or the fetch, and the user is told.
    /// </summary>
    private async ValueTask TakeAsync(PeerId mailbox, MailboxFetchRun run, FrameSender send)
    {
        foreach (var taken in run.TakeOrdered())
        {
            var direct = taken.Payload.Kind == EnvelopeKind.Direct && taken.Payload.Lamport > 0;
            var opened = direct && taken.Payload.Lamport < store.TakenPosition(taken.Author) ? taken with { Late = true } : taken;
            if (OnMessage is { } onMessage && !await onMessage(opened, mailbox).ConfigureAwait(false))
                continue;
            if (direct)
                store.RecordTakenPosition(opened.Author, opened.Payload.Lamport);
            var receipt = DeliveryReceipt.Create(identity, opened, _clock);
            await send(new ReceiptMessage(receipt.Encoded.ToArray()).Encode).ConfigureAwait(false);
        }
    }

    private async ValueTask OnReceiptAsync(PeerId mailbox, ReceiptMessage message, FrameSender send)
    {
        DeliveryReceipt receipt;
        try
        {
            receipt = DeliveryReceipt.Decode(message.Receipt);
            // Known envelope: the receipt must name its message and recipient. Unknown (our record of it was
            // lost): it must still be ours and signed by the recipient it names.
            var sent = store.SentEnvelope(receipt.EnvelopeId);
            receipt.VerifyFor(identity.Id, sent?.Recipient ?? receipt.Recipient, sent?.MessageId ?? receipt.MessageId);
        }
        catch (EnvelopeException e)
        {
            MailboxLog.ReceiptRefused(_log, mailbox.Short, e.Message);
            return;
        }
        OnDelivered?.Invoke(receipt);
        await send(new ReceiptAckMessage(receipt.EnvelopeId).Encode).ConfigureAwait(false);
    }
}
