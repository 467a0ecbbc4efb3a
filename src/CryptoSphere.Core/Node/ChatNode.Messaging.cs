using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// Chat over either protocol: choosing it, storing every message first, and the trust policy on receipt.
public sealed partial class ChatNode
{
    private const int ChatFrameOverhead = 1 + 24;

    private ContactRequestBook? _requestBook;

    private ContactRequestBook Requests => _requestBook ??= new ContactRequestBook(Store, _options.MaxContactRequestMessagesPerPeer,
        _options.MaxContactRequestBytesPerPeer, _options.MaxContactRequests);

    /// <summary>
    /// Sends one chat message. It is stored first; a peer known to be secure is reached over TLS only and
    /// its message waits in the outbox while it is offline. A new address is tried over TLS first and
    /// falls back to the legacy protocol when the other side is not a CryptoSphere node.
    /// </summary>
    public async Task<SendResult> SendAsync(PeerKey to, string text, CancellationToken cancellationToken = default)
    {
        if (TooLong(to, text) is { } tooLong)
            return tooLong;

        var session = FindSession(to);
        DialResult? dial = null;
        if (session is null && !IsKnownLegacy(to))
        {
            dial = await DialAsync(to, KnownSecureId(to), cancellationToken).ConfigureAwait(false);
            if (dial.MayFallBackToLegacy)
                _knownLegacy[to] = 0;
            session = dial.Session;
        }

        if (session is not null)
            return await QueueSecureAsync(session.RemoteId, session.Address, session.RemoteHello!.Name, text).ConfigureAwait(false);
        if (dial is { Unreachable: true } && KnownSecureId(to) is { } offline)
            return await QueueSecureAsync(offline, to, Trust.Find(offline)?.Name ?? "", text, dial.Error).ConfigureAwait(false);
        if (dial is { Session: null, MayFallBackToLegacy: false, Unreachable: false })
            return Failed(to, dial.Error!);
        if (_options.SecureOnly)
            return Failed(to, $"{to} only speaks the legacy (unencrypted) protocol, and this node is --secure-only");
        return await QueueLegacyAsync(to, text, dial is { Unreachable: true } ? dial.Error : null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends to a peer by its ID, over its live secure connection or its last known address. Only that peer
    /// gets it: when it is not there (offline, or another node answers at that address now), it waits in the outbox.
    /// </summary>
    public async Task<SendResult> SendAsync(PeerId to, string text, CancellationToken cancellationToken = default)
    {
        var address = FindSession(to)?.Address ?? Peers.Find(to)?.Key
            ?? (PeerKey.TryParse(Trust.Find(to)?.LastAddress, out var known, out _) ? known : (PeerKey?)null);
        if (address is not { } a)
            return SendResult.Failed(default, $"no known address for peer {to.Short}");
        if (TooLong(a, text) is { } tooLong)
            return tooLong;

        string? offline = null;
        if (FindSession(to) is null)
        {
            // The address is only where the peer was last seen: whoever answers there must prove this ID, and a
            // connection that is already open to that address may be another peer's.
            var dial = await DialAsync(a, to, cancellationToken).ConfigureAwait(false);
            if (FindSession(to) is null)
            {
                if (dial is { Session: null, Unreachable: false, WrongPeer: false })
                    return Failed(a, dial.Error!);
                offline = dial.Error ?? $"another peer answers at {a} now";
            }
        }
        if (FindSession(to) is { } session)
            return await QueueSecureAsync(to, session.Address, session.RemoteHello!.Name, text).ConfigureAwait(false);
        return await QueueSecureAsync(to, a, Trust.Find(to)?.Name ?? "", text, offline ?? "not connected").ConfigureAwait(false);
    }

    private SendResult? TooLong(PeerKey to, string text) =>
        WireText.Utf8.GetByteCount(text) > _options.MaxFrameBytes - ChatFrameOverhead
            ? SendResult.Failed(to, $"message too long (the limit is {_options.MaxFrameBytes - ChatFrameOverhead} bytes)")
            : null;

    private async Task<SendResult> QueueSecureAsync(PeerId id, PeerKey address, string name, string text, string? offlineReason = null)
    {
        var target = TargetOf(id);
        if (Store.OutboxCount(target) >= _options.MaxOutboxPerPeer)
            return Failed(address, $"the outbox for {id.Short} is full ({_options.MaxOutboxPerPeer} messages waiting); nothing was queued");

        var message = ChatMessage.Create(text, _clock);
        var delivered = _deliveries.GetOrAdd(message.Id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        Store.AppendOutgoing(new StoredMessage(message.Id, StoredMessage.ConversationOf(id, address), true, id.Value,
            address.ToString(), name, text, PeerProtocol.Secure, message.SentAt, Now, MessageState.Queued), target, Now);
        var sent = offlineReason is null && await FlushSecureAsync(id).ConfigureAwait(false);
        // The session just used can lose a simultaneous connect; the one kept arrives a moment later.
        if (!sent && offlineReason is null && await NextSessionAsync(id, _options.HandshakeTimeout).ConfigureAwait(false))
            sent = await FlushSecureAsync(id).ConfigureAwait(false);
        if (!sent)
            _log.LogInformation("Message {Id} to {PeerId} queued: {Reason}", message.Id, id.Short, offlineReason ?? "not connected");
        return new SendResult(address, sent, sent ? null : $"{id.Short} is offline ({offlineReason ?? "not connected"}); queued for delivery")
        {
            Protocol = PeerProtocol.Secure,
            State = sent ? MessageState.Sent : MessageState.Queued,
            MessageId = message.Id,
            Delivered = delivered.Task,
        };
    }

    private async Task<SendResult> QueueLegacyAsync(PeerKey to, string text, string? firstError, CancellationToken cancellationToken)
    {
        var target = "legacy:" + to;
        if (Store.OutboxCount(target) >= _options.MaxOutboxPerPeer)
            return Failed(to, $"the outbox for {to} is full ({_options.MaxOutboxPerPeer} messages waiting); nothing was queued");

        var id = Guid.CreateVersion7();
        Store.AppendOutgoing(new StoredMessage(id, StoredMessage.ConversationOf(null, to), true, null, to.ToString(),
            Peers.Find(to)?.Name ?? "", text, PeerProtocol.Legacy, Now, Now, MessageState.Queued), target, Now);
        var error = firstError ?? await TryLegacyAsync(to, id, text, cancellationToken).ConfigureAwait(false);
        if (error is null)
            return SendResult.Ok(to) with { MessageId = id };

        Store.RecordAttempt(id, error, Now + Backoff(1));
        _log.LogWarning("Send to {Peer} failed: {Error}", to, error);
        Raise(new SendFailed(Now, to, error));
        Peers.Remove(to, PeerRemovalReason.Unreachable);
        return new SendResult(to, false, $"{error}; queued, {_options.LegacyRetries - 1} more tries") { State = MessageState.Queued, MessageId = id };
    }

    /// <summary>One legacy attempt; null on success (then the message is final: old peers cannot acknowledge).</summary>
    private async Task<string?> TryLegacyAsync(PeerKey to, Guid id, string text, CancellationToken cancellationToken)
    {
        var result = await TrySendRawAsync(to, LegacyCodec.EncodeChat(AdvertisedIp, Port, _options.Name, text), cancellationToken)
            .ConfigureAwait(false);
        if (!result.Success)
            return result.Error;
        Store.MarkSent(id, leaveOutbox: true);
        return null;
    }

    private SendResult Failed(PeerKey to, string error)
    {
        _log.LogWarning("Send to {Peer} failed: {Error}", to, error);
        Raise(new SendFailed(Now, to, error));
        return SendResult.Failed(to, error);
    }

    private async ValueTask OnChatAsync(SecureSession session, ChatMessage message)
    {
        var id = session.RemoteId;
        var address = session.Address;
        var name = session.RemoteHello!.Name;
        // A contact request is held on disk, within its bounds; what does not fit is refused unstored and unacknowledged.
        var hold = _options.Accept == AcceptPolicy.Trusted && Trust.StateOf(id) != TrustState.Trusted;
        if (hold && Requests.Admit(id, message.Text) is { } full)
        {
            Reject(address.ToString(), $"message {message.Id} refused: {full}");
            return;
        }
        var stored = new StoredMessage(message.Id, StoredMessage.ConversationOf(id, address), false, id.Value, address.ToString(),
            name, message.Text, PeerProtocol.Secure, message.SentAt, Now, hold ? MessageState.Held : MessageState.Received);
        var cost = Limits.UnstoredBudget.CostOf(message.Text);
        await WaitForStoreAsync(session, cost).ConfigureAwait(false);
        // Committed before acknowledged; a resend after a lost ack is acknowledged again but shown once.
        Store.AppendReceivedChecked(stored, outcome =>
        {
            session.Unstored.Release(cost);
            var firstHeld = hold && Requests.Settle(id, message.Text, outcome.IsNew);
            if (outcome.Refusal is { } refusal)
            {
                Reject(address.ToString(), $"message {message.Id} from {id.Short} not stored: {refusal}");
                return; // not acknowledged: its author is never told "delivered"
            }
            if (outcome.IsNew)
            {
                if (hold)
                    Hold(session, name, message, firstHeld);
                else
                    Deliver(address, id, name, message);
            }
            _ = session.SendAckAsync(message.Id).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        });
    }

    // A store that cannot keep up for this long is broken (disk full): drop the connection rather than hang it.
    private static async Task WaitForStoreAsync(SecureSession session, long cost)
    {
        if (!await session.Unstored.TakeAsync(cost, TimeSpan.FromSeconds(30)).ConfigureAwait(false))
            throw new IOException("the message store did not keep up for 30 s");
    }

    private void Deliver(PeerKey from, PeerId id, string name, ChatMessage message)
    {
        Peers.Touch(from, name, PeerProtocol.Secure, Now, countsAsMessage: true, id);
        Raise(new MessageReceived(Now, from, name, message.Text, PeerProtocol.Secure, id, message.Id, message.SentAt));
    }

    private void Hold(SecureSession session, string name, ChatMessage message, bool first)
    {
        if (first)
        {
            _log.LogInformation("Contact request from {PeerId}", session.RemoteId.Short);
            Raise(new ContactRequestReceived(Now, session.Address, session.RemoteId, name, message.Text));
        }
    }

    /// <summary>Contact requests waiting for a decision (<c>--accept trusted</c>).</summary>
    public IReadOnlyList<HeldMessages> ContactRequests => Requests.List();

    /// <summary>Trusts the peer; messages it sent while it was not trusted are shown now.</summary>
    public void TrustPeer(PeerId id)
    {
        Trust.SetState(id, TrustState.Trusted, Now);
        foreach (var m in Requests.Release(id))
            Deliver(ContactRequestBook.AddressOf(m.Address), id, m.Name, new ChatMessage(m.Id, m.SentAt, m.Text));
    }

    /// <summary>Deletes a contact request's messages (they were never shown); the peer stays unknown.</summary>
    public bool RejectContactRequest(PeerId id) => Requests.Drop(id);

    /// <summary>Blocks the peer: its connection is closed at once and nothing more of it is processed.</summary>
    public async Task BlockPeerAsync(PeerId id)
    {
        Trust.SetState(id, TrustState.Blocked, Now);
        Requests.Drop(id);
        if (_sessions.TryRemove(id.Value, out var session))
        {
            session.CloseReason = "blocked";
            await session.CloseAsync().ConfigureAwait(false);
        }
        foreach (var peer in Peers.Snapshot().Where(p => p.Id == id))
            Peers.Remove(peer.Key, PeerRemovalReason.RemovedByUser);
    }

    public void UnblockPeer(PeerId id) => Trust.SetState(id, TrustState.Unknown, Now);
}
