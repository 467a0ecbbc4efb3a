using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Messaging;

/// <summary>
/// Sending chat over either protocol: choosing it, and storing every message first (in the outbox, which
/// takes it from there).
/// </summary>
internal sealed class ChatSender(NodeRuntime node, SessionRegistry sessions, Outbox outbox)
{
    private const int ChatFrameOverhead = 1 + 24;

    private readonly ILogger _log = node.Logger<ChatSender>();

    private NodeOptions Options => node.Options;

    /// <summary>
    /// Sends one chat message. It is stored first; a peer known to be secure is reached over TLS only and
    /// its message waits in the outbox while it is offline. A new address is tried over TLS first and
    /// falls back to the legacy protocol when the other side is not a CryptoSphere node.
    /// </summary>
    public async Task<SendResult> SendAsync(PeerKey to, string text, CancellationToken cancellationToken)
    {
        if (TooLong(to, text) is { } tooLong)
            return tooLong;

        var session = sessions.Find(to);
        DialResult? dial = null;
        if (session is null && !sessions.IsKnownLegacy(to))
        {
            dial = await sessions.DialAsync(to, sessions.KnownSecureId(to), cancellationToken).ConfigureAwait(false);
            if (dial.MayFallBackToLegacy)
                sessions.MarkLegacy(to);
            session = dial.Session;
        }

        if (session is not null)
            return await QueueSecureAsync(session.RemoteId, session.Address, session.RemoteHello!.Name, text).ConfigureAwait(false);
        if (dial is { Unreachable: true } && sessions.KnownSecureId(to) is { } offline)
            return await QueueSecureAsync(offline, to, node.Trust.Find(offline)?.Name ?? "", text, dial.Error).ConfigureAwait(false);
        if (dial is { Session: null, MayFallBackToLegacy: false, Unreachable: false })
            return Failed(to, dial.Error!);
        if (Options.SecureOnly)
            return Failed(to, $"{to} only speaks the legacy (unencrypted) protocol, and this node is --secure-only");
        return await QueueLegacyAsync(to, text, dial is { Unreachable: true } ? dial.Error : null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends to a peer by its ID, over its live secure connection or its last known address. Only that peer
    /// gets it: when it is not there (offline, or another node answers at that address now), it waits in the outbox.
    /// </summary>
    public async Task<SendResult> SendAsync(PeerId to, string text, CancellationToken cancellationToken)
    {
        var address = sessions.Find(to)?.Address ?? node.Peers.Find(to)?.Key
            ?? (PeerKey.TryParse(node.Trust.Find(to)?.LastAddress, out var known, out _) ? known : (PeerKey?)null);
        if (address is not { } a)
            return SendResult.Failed(default, $"no known address for peer {to.Short}");
        if (TooLong(a, text) is { } tooLong)
            return tooLong;

        string? offline = null;
        if (sessions.Find(to) is null)
        {
            // The address is only where the peer was last seen: whoever answers there must prove this ID, and a
            // connection that is already open to that address may be another peer's.
            var dial = await sessions.DialAsync(a, to, cancellationToken).ConfigureAwait(false);
            if (sessions.Find(to) is null)
            {
                if (dial is { Session: null, Unreachable: false, WrongPeer: false })
                    return Failed(a, dial.Error!);
                offline = dial.Error ?? $"another peer answers at {a} now";
            }
        }
        if (sessions.Find(to) is { } session)
            return await QueueSecureAsync(to, session.Address, session.RemoteHello!.Name, text).ConfigureAwait(false);
        return await QueueSecureAsync(to, a, node.Trust.Find(to)?.Name ?? "", text, offline ?? "not connected").ConfigureAwait(false);
    }

    private SendResult? TooLong(PeerKey to, string text) =>
        WireText.Utf8.GetByteCount(text) > Options.MaxFrameBytes - ChatFrameOverhead
            ? SendResult.Failed(to, $"message too long (the limit is {Options.MaxFrameBytes - ChatFrameOverhead} bytes)")
            : null;

    private async Task<SendResult> QueueSecureAsync(PeerId id, PeerKey address, string name, string text, string? offlineReason = null)
    {
        var target = Outbox.TargetOf(id);
        if (node.Store.OutboxCount(target) >= Options.MaxOutboxPerPeer)
            return Failed(address, $"the outbox for {id.Short} is full ({Options.MaxOutboxPerPeer} messages waiting); nothing was queued");

        var message = ChatMessage.Create(text, node.Clock);
        var delivered = outbox.Delivery(message.Id);
        node.Store.AppendOutgoing(new StoredMessage(message.Id, ConversationId.Peer(id).ToString(), true, id.Value,
            address.ToString(), name, text, PeerProtocol.Secure, message.SentAt, node.Now, MessageState.Queued), target, node.Now);
        var sent = offlineReason is null && await outbox.FlushAsync(id).ConfigureAwait(false);
        // The session just used can lose a simultaneous connect; the one kept arrives a moment later.
        if (!sent && offlineReason is null && await sessions.NextSessionAsync(id, Options.HandshakeTimeout).ConfigureAwait(false))
            sent = await outbox.FlushAsync(id).ConfigureAwait(false);
        if (!sent)
            MessagingLog.Queued(_log, message.Id, id.Short, offlineReason ?? "not connected");
        return new SendResult(address, sent, sent ? null : $"{id.Short} is offline ({offlineReason ?? "not connected"}); queued for delivery")
        {
            Protocol = PeerProtocol.Secure,
            State = sent ? MessageState.Sent : MessageState.Queued,
            MessageId = message.Id,
            Delivered = delivered,
        };
    }

    private async Task<SendResult> QueueLegacyAsync(PeerKey to, string text, string? firstError, CancellationToken cancellationToken)
    {
        var target = Outbox.TargetOf(to);
        if (node.Store.OutboxCount(target) >= Options.MaxOutboxPerPeer)
            return Failed(to, $"the outbox for {to} is full ({Options.MaxOutboxPerPeer} messages waiting); nothing was queued");

        var id = Guid.CreateVersion7();
        node.Store.AppendOutgoing(new StoredMessage(id, ConversationId.Legacy(to).ToString(), true, null, to.ToString(),
            node.Peers.Find(to)?.Name ?? "", text, PeerProtocol.Legacy, node.Now, node.Now, MessageState.Queued), target, node.Now);
        var error = firstError ?? await outbox.TryLegacyAsync(to, id, text, cancellationToken).ConfigureAwait(false);
        if (error is null)
            return SendResult.Ok(to) with { MessageId = id, Parts = outbox.LegacyParts(text) };

        node.Store.RecordAttempt(id, error, node.Now + outbox.Backoff(1));
        MessagingLog.SendFailed(_log, to, error);
        node.Publish(new SendFailed(node.Now, to, error));
        node.Peers.Remove(to, PeerRemovalReason.Unreachable);
        return new SendResult(to, false, $"{error}; queued, {Options.LegacyRetries - 1} more tries") { State = MessageState.Queued, MessageId = id };
    }

    /// <summary>A send that failed before anything was stored: logged, reported, returned.</summary>
    public SendResult Failed(PeerKey to, string error)
    {
        MessagingLog.SendFailed(_log, to, error);
        node.Publish(new SendFailed(node.Now, to, error));
        return SendResult.Failed(to, error);
    }
}
