using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Messaging;

/// <summary>
/// Sending chat over either protocol: choosing it, and storing every message first (in the outbox, which
/// takes it from there).
/// </summary>
internal sealed class ChatSender(NodeRuntime node, SessionRegistry sessions, SessionDialer dialer, Outbox outbox)
{
    private const int ChatFrameOverhead = 1 + 24;

    private readonly ILogger _log = node.Logger<ChatSender>();

    private NodeOptions Options => node.Options;

    /// <summary>
    /// Sends one chat message. It is committed before any network attempt; a peer known to be secure is reached
    /// over TLS only and its message waits in the outbox while it is offline. A new address is asked, silently,
    /// whether it is a CryptoSphere node (<see cref="ServerGreeting"/>): if so the message goes over TLS, if not
    /// it goes in the legacy format on that same connection.
    /// </summary>
    public Task<SendResult> SendAsync(PeerKey to, string text, CancellationToken cancellationToken)
    {
        if (TooLong(to, text) is { } tooLong)
            return Task.FromResult(tooLong);
        // Not awaited here: over a live session (every message of a burst) the send is one state machine, not two.
        if (sessions.Find(to) is { } session)
            return QueueSecureAsync(session.RemoteId, session.Address, session.RemoteHello!.Name, text);
        return SendWithoutSessionAsync(to, text, cancellationToken);
    }

    private async Task<SendResult> SendWithoutSessionAsync(PeerKey to, string text, CancellationToken cancellationToken)
    {
        if (sessions.KnownSecureId(to) is { } known)
            return await SendAsync(known, text, cancellationToken).ConfigureAwait(false);
        if (Options.SecureOnly && sessions.IsKnownLegacy(to))
            return Failed(to, $"{to} only speaks the legacy (unencrypted) protocol, and this node is --secure-only");
        return await QueueForAddressAsync(to, text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends to a peer by its ID, over its live secure connection or its last known address. Only that peer
    /// gets it: when it is not there (offline, or another node answers at that address now), it waits in the
    /// outbox. It is committed before the node tries to connect.
    /// </summary>
    public Task<SendResult> SendAsync(PeerId to, string text, CancellationToken cancellationToken)
    {
        var live = sessions.Find(to);
        var address = live?.Address ?? node.Peers.Find(to)?.Key
            ?? (PeerKey.TryParse(node.Trust.Find(to)?.LastAddress, out var known, out _) ? known : (PeerKey?)null);
        // Checked first: a blocked peer is never dialled, and "no known address" hid why (found from outside).
        if (node.Trust.StateOf(to) == TrustState.Blocked)
            return Task.FromResult(SendResult.Failed(default, $"{to.Short} is blocked; unblock it to send to it"));
        if (address is not { } a)
            return Task.FromResult(SendResult.Failed(default, $"no known address for peer {to.Short}"));
        if (TooLong(a, text) is { } tooLong)
            return Task.FromResult(tooLong);
        if (live is not null)
            return QueueSecureAsync(to, live.Address, live.RemoteHello!.Name, text);
        return SendOfflineAsync(to, a, text, cancellationToken);
    }

    // The peer has no live session: the message is stored, then its last known address is dialled.
    private async Task<SendResult> SendOfflineAsync(PeerId to, PeerKey a, string text, CancellationToken cancellationToken)
    {
        if (await StoreSecureAsync(to, a, node.Trust.Find(to)?.Name ?? "", text).ConfigureAwait(false) is not { } stored)
            return Failed(a, OutboxFull(to));
        // The address is only where the peer was last seen: whoever answers there must prove this ID, and a
        // connection that is already open to that address may be another peer's.
        var dial = await dialer.DialAsync(a, to, cancellationToken).ConfigureAwait(false);
        if (sessions.Find(to) is { } session)
            return await FlushSecureAsync(to, session.Address, stored.Id, stored.Delivered, null, sequence: stored.Sequence).ConfigureAwait(false);
        if (dial is { Session: null, Unreachable: false, WrongPeer: false })
        {
            await node.Store.MarkFailedAsync(stored.Id, dial.Error!).ConfigureAwait(false);
            return Failed(a, dial.Error!);
        }
        return await FlushSecureAsync(to, a, stored.Id, stored.Delivered, dial.Error ?? $"another peer answers at {a} now").ConfigureAwait(false);
    }

    private SendResult? TooLong(PeerKey to, string text) =>
        WireText.Utf8.GetByteCount(text) > Options.MaxFrameBytes - ChatFrameOverhead
            ? SendResult.Failed(to, $"message too long (the limit is {Options.MaxFrameBytes - ChatFrameOverhead} bytes)")
            : null;

    private async Task<SendResult> QueueSecureAsync(PeerId id, PeerKey address, string name, string text)
    {
        var (messageId, delivered, storing) = BeginStoreSecure(id, address, name, text);
        if (await storing.ConfigureAwait(false) is not { } sequence)
        {
            outbox.Forget(messageId);
            return Failed(address, OutboxFull(id));
        }
        return await FlushSecureAsync(id, address, messageId, delivered, null, sequence: sequence).ConfigureAwait(false);
    }

    private string OutboxFull(PeerId id) =>
        $"the outbox for {id.Short} is full ({Options.MaxOutboxPerPeer} messages waiting); nothing was queued";

    /// <summary>
    /// Commits the message to the peer's outbox (in the store's next batch, with the sends queued meanwhile); null when
    /// the outbox is full.
    /// </summary>
    private async Task<(Guid Id, Task Delivered, long Sequence)?> StoreSecureAsync(PeerId id, PeerKey address, string name, string text)
    {
        var (messageId, delivered, storing) = BeginStoreSecure(id, address, name, text);
        if (await storing.ConfigureAwait(false) is not { } sequence)
        {
            outbox.Forget(messageId);
            return null;
        }
        return (messageId, delivered, sequence);
    }

    /// <summary>
    /// Queues the message's commit (see <see cref="StoreSecureAsync"/>); <c>Stored</c> completes with its sequence, or
    /// null when the outbox is full (the caller then forgets the delivery). Not itself async: a send over a live session
    /// awaits the commit in its own state machine.
    /// </summary>
    private (Guid Id, Task Delivered, Task<long?> Stored) BeginStoreSecure(PeerId id, PeerKey address, string name, string text)
    {
        var messageId = MessageIds.NewV7();
        var now = node.Now;
        var delivered = outbox.Delivery(messageId);
        // A peer's conversation is also its outbox's name.
        var target = Outbox.TargetOf(id);
        var storing = node.Store.AppendOutgoingUnlessFullAsync(new StoredMessage(messageId, target, true, id.Value,
            address.ToString(), name, text, PeerProtocol.Secure, now, now, MessageState.Queued), target, now, Options.MaxOutboxPerPeer);
        return (messageId, delivered, storing);
    }

    /// <summary>Writes what waits for the peer (this message included) when it is connected; says queued when not.</summary>
    private async Task<SendResult> FlushSecureAsync(PeerId id, PeerKey address, Guid messageId, Task delivered, string? offlineReason,
        bool moved = false, long sequence = 0)
    {
        var sent = offlineReason is null && await outbox.FlushAsync(id, moved ? messageId : null, sequence).ConfigureAwait(false);
        // The session just used can lose a simultaneous connect; the one kept arrives a moment later.
        if (!sent && offlineReason is null && await sessions.NextSessionAsync(id, Options.HandshakeTimeout).ConfigureAwait(false))
            sent = await outbox.FlushAsync(id, moved ? messageId : null).ConfigureAwait(false);
        if (!sent)
            MessagingLog.Queued(_log, messageId, id.Short, offlineReason ?? "not connected");
        return new SendResult(address, sent, sent ? null : $"{id.Short} is offline ({offlineReason ?? "not connected"}); queued for delivery")
        {
            Protocol = PeerProtocol.Secure,
            State = sent ? MessageState.Sent : MessageState.Queued,
            MessageId = messageId,
            Delivered = delivered,
        };
    }

    /// <summary>
    /// A message for an address: stored in that address's outbox first, then the address is asked what it is
    /// (unless it is a known old peer). A CryptoSphere node gets it over TLS: it moves to that peer's outbox.
    /// </summary>
    private async Task<SendResult> QueueForAddressAsync(PeerKey to, string text, CancellationToken cancellationToken)
    {
        var id = MessageIds.NewV7();
        // Not due while this send is still asking the address: the outbox's own pass would dial it a second time.
        var inFlight = Options.ConnectTimeout + Options.GreetingWait + Options.HandshakeTimeout;
        if (await node.Store.AppendOutgoingUnlessFullAsync(new StoredMessage(id, ConversationId.Legacy(to).ToString(), true, null, to.ToString(),
                node.Peers.Find(to)?.Name ?? "", text, PeerProtocol.Legacy, node.Now, node.Now, MessageState.Queued), Outbox.TargetOf(to),
                node.Now + inFlight, Options.MaxOutboxPerPeer).ConfigureAwait(false) is null)
            return Failed(to, $"the outbox for {to} is full ({Options.MaxOutboxPerPeer} messages waiting); nothing was queued");

        string? error = null;
        System.Net.Sockets.Socket? silent = null;
        if (!sessions.IsKnownLegacy(to))
        {
            var dial = await dialer.DialAsync(to, null, cancellationToken, keepSilent: true).ConfigureAwait(false);
            if (dial.Session is { } session)
                return await MovedToSecureAsync(id, to, session).ConfigureAwait(false);
            if (dial.MayFallBackToLegacy)
                sessions.MarkLegacy(to);
            else if (!dial.Unreachable)
            {
                await node.Store.MarkFailedAsync(id, dial.Error!).ConfigureAwait(false);
                return Failed(to, dial.Error!);
            }
            silent = dial.Silent;
            error = dial.Unreachable ? dial.Error : null;
        }
        if (error is null && Options.SecureOnly)
        {
            silent?.Dispose();
            var refusal = $"{to} only speaks the legacy (unencrypted) protocol, and this node is --secure-only";
            await node.Store.MarkFailedAsync(id, refusal).ConfigureAwait(false);
            return Failed(to, refusal);
        }
        string? caveat = null;
        if (error is null)
            (error, caveat) = await outbox.TryLegacyAsync(to, id, text, cancellationToken, silent).ConfigureAwait(false);
        if (error is null)
            return SendResult.Ok(to) with { MessageId = id, Parts = outbox.LegacyParts(text), Caveat = caveat };

        await node.Store.RecordAttemptAsync(id, error, node.Now + outbox.Backoff(1)).ConfigureAwait(false);
        MessagingLog.SendFailed(_log, to, error);
        node.Publish(new SendFailed(node.Now, to, error, Queued: true));
        node.Peers.Remove(to, PeerRemovalReason.Unreachable);
        return new SendResult(to, false, $"{error}; queued, {Options.LegacyRetries - 1} more tries") { State = MessageState.Queued, MessageId = id };
    }

    private async Task<SendResult> MovedToSecureAsync(Guid id, PeerKey to, SecureSession session)
    {
        var delivered = outbox.Delivery(id);
        await node.Store.MoveToSecureAsync(id, Outbox.TargetOf(to), session.RemoteId.Value, Outbox.TargetOf(session.RemoteId)).ConfigureAwait(false);
        return await FlushSecureAsync(session.RemoteId, session.Address, id, delivered, null, moved: true).ConfigureAwait(false);
    }

    /// <summary>A send that failed before anything was stored: logged, reported, returned.</summary>
    public SendResult Failed(PeerKey to, string error)
    {
        MessagingLog.SendFailed(_log, to, error);
        node.Publish(new SendFailed(node.Now, to, error));
        return SendResult.Failed(to, error);
    }
}
