using System.Buffers;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The holder's half of the mailbox exchange (docs/protocol.md §18.6): answers MAILBOX_REQUEST, ENVELOPE_PUT,
/// MAILBOX_FETCH, RECEIPT and RECEIPT_ACK from a peer whose ID its connection proved, over a
/// <see cref="MailboxStore"/>. Every decision about who may store what is the store's.
/// </summary>
internal sealed class MailboxHolder(MailboxStore store, ILogger? logger = null)
{
    /// <summary>The frames this half answers; RECEIPT only when it is a recipient's (<see cref="MailboxProtocol"/> routes it).</summary>
    public static readonly FrameType[] FrameTypes =
        [FrameType.MailboxRequest, FrameType.EnvelopePut, FrameType.MailboxFetch, FrameType.Receipt, FrameType.ReceiptAck];

    private readonly ILogger _log = logger ?? NullLogger.Instance;

    /// <summary>Handles one frame of <see cref="FrameTypes"/>; a malformed body is a <see cref="FrameFormatException"/> (close the connection).</summary>
    public async ValueTask HandleAsync(PeerId from, FrameType type, ReadOnlySequence<byte> body, FrameSender send)
    {
        switch (type)
        {
            case FrameType.MailboxRequest:
                var wants = MailboxRequestMessage.Decode(body).Wants;
                var state = store.Request(from, wants);
                MailboxLog.Requested(_log, from.Short, wants, state);
                var status = StatusFor(from, state);
                await send(status.Encode).ConfigureAwait(false);
                break;
            case FrameType.EnvelopePut:
                var put = EnvelopePutMessage.Decode(body);
                var outcome = store.Put(from, put.Envelope);
                var id = EnvelopeCodec.PeekId(put.Envelope);
                MailboxLog.Put(_log, id, from.Short, outcome);
                await send(new EnvelopeResultMessage(id, outcome).Encode).ConfigureAwait(false);
                break;
            case FrameType.MailboxFetch:
                var fetch = MailboxFetchMessage.Decode(body);
                var held = store.Fetch(from, fetch.Max, fetch.AfterSequence);
                foreach (var envelope in held)
                    await send(new EnvelopeMessage(envelope.Sequence, envelope.Data).Encode).ConfigureAwait(false);
                var remaining = held.Count == 0 ? 0 : store.CountHeld(from, held[^1].Sequence);
                MailboxLog.Fetched(_log, held.Count, from.Short, remaining);
                await send(new MailboxFetchEndMessage(remaining).Encode).ConfigureAwait(false);
                break;
            case FrameType.Receipt:
                var result = store.AcceptReceipt(from, ReceiptMessage.Decode(body).Receipt);
                MailboxLog.ReceiptIn(_log, from.Short, result);
                break;
            case FrameType.ReceiptAck:
                store.ForgetReceipt(from, ReceiptAckMessage.Decode(body).EnvelopeId);
                break;
        }
    }

    /// <summary>
    /// When <paramref name="peer"/> connects: the receipts waiting for it, for envelopes it left here, and the
    /// envelopes of its that were dropped without one (<see cref="TellDroppedAsync"/>).
    /// </summary>
    public async ValueTask OnConnectedAsync(PeerId peer, FrameSender send)
    {
        foreach (var receipt in store.ReceiptsFor(peer))
            await send(new ReceiptMessage(receipt.Encoded.ToArray()).Encode).ConfigureAwait(false);
        await TellDroppedAsync(peer, send).ConfigureAwait(false);
    }

    /// <summary>
    /// Tells <paramref name="sender"/> which of its envelopes are no longer held here (dropped without a receipt), as an
    /// unasked ENVELOPE_RESULT with NotServed: the answer a put gets now, which every sender already records as "not
    /// held". A notice is forgotten once handed to the connection; one lost with it leaves the sender's note stale
    /// until its next put there (the message itself is still in its outbox).
    /// </summary>
    public async ValueTask TellDroppedAsync(PeerId sender, FrameSender send)
    {
        var dropped = store.DroppedFor(sender);
        foreach (var id in dropped)
        {
            await send(new EnvelopeResultMessage(id, PutOutcome.NotServed).Encode).ConfigureAwait(false);
            store.ForgetDropped(sender, id);
        }
        if (dropped.Count > 0)
            MailboxLog.ToldDropped(_log, sender.Short, dropped.Count);
    }

    private MailboxStatusMessage StatusFor(PeerId recipient, ServeState state)
    {
        var row = state is ServeState.Refused or ServeState.Stopped ? null : store.Served().FirstOrDefault(s => s.Recipient == recipient);
        var quota = row?.Quota ?? MailboxQuota.Default;
        return new MailboxStatusMessage(state, quota.MaxEnvelopes, quota.MaxBytes, quota.Expiry, row?.HeldCount ?? 0, row?.HeldBytes ?? 0);
    }
}
