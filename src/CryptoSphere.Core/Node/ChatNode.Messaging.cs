using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// Chat over either protocol: choosing it, acknowledgements, resends, and the trust policy on receipt.
public sealed partial class ChatNode
{
    private const int ChatFrameOverhead = 1 + 24;

    private readonly ConcurrentDictionary<Guid, PendingChat> _pending = new();
    private readonly ConcurrentDictionary<string, HeldMessages> _held = new();
    private readonly RecentIds _seen = new(100_000);

    /// <summary>
    /// Sends one chat message. A peer known to be secure is reached over TLS only; a new address is tried
    /// over TLS first and falls back to the legacy protocol when the other side is not a CryptoSphere node.
    /// </summary>
    public async Task<SendResult> SendAsync(PeerKey to, string text, CancellationToken cancellationToken = default)
    {
        if (WireText.Utf8.GetByteCount(text) > _options.MaxFrameBytes - ChatFrameOverhead)
            return SendResult.Failed(to, $"message too long (the limit is {_options.MaxFrameBytes - ChatFrameOverhead} bytes)");
        var session = FindSession(to);
        if (session is null && !IsKnownLegacy(to))
        {
            var dial = await DialAsync(to, KnownSecureId(to), cancellationToken).ConfigureAwait(false);
            if (dial.Session is null && !dial.MayFallBackToLegacy)
                return Failed(to, dial.Error!);
            if (dial.Session is null)
                _knownLegacy[to] = 0;
            session = dial.Session;
        }

        if (session is not null)
            return await SendSecureAsync(session, ChatMessage.Create(text, _clock)).ConfigureAwait(false);
        if (_options.SecureOnly)
            return Failed(to, $"{to} only speaks the legacy (unencrypted) protocol, and this node is --secure-only");
        return await SendLegacyAsync(to, LegacyCodec.EncodeChat(AdvertisedIp, Port, _options.Name, text), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Sends to a peer by its ID, over its live secure connection or its last known address.</summary>
    public Task<SendResult> SendAsync(PeerId to, string text, CancellationToken cancellationToken = default)
    {
        if (FindSession(to) is { } session)
            return SendSecureAsync(session, ChatMessage.Create(text, _clock));
        var address = Peers.Find(to)?.Key ?? (PeerKey.TryParse(Trust.Find(to)?.LastAddress, out var known, out _) ? known : (PeerKey?)null);
        return address is { } a
            ? SendAsync(a, text, cancellationToken)
            : Task.FromResult(SendResult.Failed(default, $"no known address for peer {to.Short}"));
    }

    private async Task<SendResult> SendSecureAsync(SecureSession session, ChatMessage message)
    {
        var pending = new PendingChat(session.RemoteId, message, session);
        _pending[message.Id] = pending;
        try
        {
            await session.SendChatAsync(message).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The message stays pending: it goes out again when the peer is connected again.
        }
        return new SendResult(session.Address, true, null)
        {
            Protocol = PeerProtocol.Secure,
            MessageId = message.Id,
            Delivered = pending.Delivered.Task,
        };
    }

    private SendResult Failed(PeerKey to, string error)
    {
        _log.LogWarning("Send to {Peer} failed: {Error}", to, error);
        Raise(new SendFailed(Now, to, error));
        return SendResult.Failed(to, error);
    }

    private async ValueTask OnChatAsync(SecureSession session, ChatMessage message)
    {
        // A resend after a lost ack is acknowledged again but shown once.
        if (_seen.Add(message.Id))
        {
            var name = session.RemoteHello!.Name;
            if (_options.Accept == AcceptPolicy.Trusted && Trust.StateOf(session.RemoteId) != TrustState.Trusted)
                Hold(session, name, message);
            else
                Deliver(session.Address, session.RemoteId, name, message);
        }
        await session.SendAckAsync(message.Id).ConfigureAwait(false);
    }

    private void Deliver(PeerKey from, PeerId id, string name, ChatMessage message)
    {
        Peers.Touch(from, name, PeerProtocol.Secure, Now, countsAsMessage: true, id);
        Raise(new MessageReceived(Now, from, name, message.Text, PeerProtocol.Secure, id, message.Id, message.SentAt));
    }

    private void Hold(SecureSession session, string name, ChatMessage message)
    {
        var held = _held.GetOrAdd(session.RemoteId.Value, _ => new HeldMessages(session.RemoteId, session.Address, name));
        held.From = session.Address;
        held.Name = name;
        if (held.Add(message) == 1)
        {
            _log.LogInformation("Contact request from {PeerId}", session.RemoteId.Short);
            Raise(new ContactRequestReceived(Now, session.Address, session.RemoteId, name, message.Text));
        }
    }

    private void OnAck(SecureSession session, Guid id)
    {
        if (!_pending.TryRemove(id, out var pending))
            return;
        pending.Delivered.TrySetResult();
        Raise(new MessageDelivered(Now, session.Address, session.RemoteId, id));
    }

    // A new session for a peer: everything it has not acknowledged goes out again, in send order.
    private void ResendPendingTo(PeerId id, SecureSession session)
    {
        foreach (var pending in _pending.Values.Where(p => p.To == id && p.SentOn != session).OrderBy(p => p.Message.Id))
            Resend(pending, session);
    }

    // A session ended: its unacknowledged messages move to the peer's live session, if there is one.
    private void ResendPendingFrom(SecureSession closed)
    {
        if (FindSession(closed.RemoteId) is not { } live)
            return;
        foreach (var pending in _pending.Values.Where(p => p.SentOn == closed).OrderBy(p => p.Message.Id))
            Resend(pending, live);
    }

    private void Resend(PendingChat pending, SecureSession session)
    {
        pending.SentOn = session;
        _ = session.SendChatAsync(pending.Message).AsTask().ContinueWith(
            t => _log.LogDebug("Resend of {Id} failed: {Error}", pending.Message.Id, t.Exception?.InnerException?.Message),
            TaskContinuationOptions.OnlyOnFaulted);
    }

    /// <summary>Contact requests waiting for a decision (<c>--accept trusted</c>).</summary>
    public IReadOnlyList<HeldMessages> ContactRequests => _held.Values.ToList();

    /// <summary>Trusts the peer; messages it sent while it was not trusted are delivered now.</summary>
    public void TrustPeer(PeerId id)
    {
        Trust.SetState(id, TrustState.Trusted, Now);
        if (_held.TryRemove(id.Value, out var held))
        {
            foreach (var message in held.Messages)
                Deliver(held.From, id, held.Name, message);
        }
    }

    /// <summary>Drops a contact request's messages; the peer stays unknown.</summary>
    public bool RejectContactRequest(PeerId id) => _held.TryRemove(id.Value, out _);

    /// <summary>Blocks the peer: its connection is closed at once and nothing more of it is processed.</summary>
    public async Task BlockPeerAsync(PeerId id)
    {
        Trust.SetState(id, TrustState.Blocked, Now);
        _held.TryRemove(id.Value, out _);
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
