using System.Buffers;
using System.Collections.Concurrent;
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
/// Receiving chat: stored before it is acknowledged or shown, and the trust policy (contact requests,
/// trusting, blocking).
/// </summary>
internal sealed class ChatInbox
{
    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly ILogger _log;
    private readonly ContactRequestBook _requests;

    public ChatInbox(NodeRuntime node, SessionRegistry sessions, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _log = node.Logger<ChatInbox>();
        _requests = node.ContactRequests;
        router.Handle(FrameType.Chat, OnChatFrameAsync);
    }

    /// <summary>Contact requests waiting for a decision (<c>--accept trusted</c>).</summary>
    public IReadOnlyList<HeldMessages> ContactRequests => _requests.List();

    private ValueTask OnChatFrameAsync(SecureSession session, ReadOnlySequence<byte> body)
    {
        var chat = ChatMessage.Decode(body);
        return session.Registered.IsCompleted ? OnChatAsync(session, chat) : OnChatWhenRegisteredAsync(session, chat);
    }

    // A message is never shown while the node does not know its connection yet: a reply would open another one.
    private async ValueTask OnChatWhenRegisteredAsync(SecureSession session, ChatMessage chat)
    {
        await session.Registered.ConfigureAwait(false);
        await OnChatAsync(session, chat).ConfigureAwait(false);
    }

    private async ValueTask OnChatAsync(SecureSession session, ChatMessage message)
    {
        var id = session.RemoteId;
        var address = session.Address;
        var name = session.RemoteHello!.Name;
        // A contact request is held on disk, within its bounds; what does not fit is refused unstored and unacknowledged.
        var hold = _node.Options.Accept == AcceptPolicy.Trusted && _node.Trust.StateOf(id) != TrustState.Trusted;
        if (hold && _requests.Admit(id, message.Id, message.Text) is { } full)
        {
            _node.Reject(address.ToString(), $"message {message.Id} refused: {full}");
            return;
        }
        var stored = new StoredMessage(message.Id, ConversationId.TextOf(id), false, id.Value, address.ToString(),
            name, message.Text, PeerProtocol.Secure, message.SentAt, _node.Now, hold ? MessageState.Held : MessageState.Received);
        await _node.Pacing.WaitAsync(session, id, message.Text.Length).ConfigureAwait(false);
        var cost = await session.WaitForStoreAsync(message.Text).ConfigureAwait(false);
        // Committed before acknowledged; a resend after a lost ack is acknowledged again but shown once.
        _node.Store.AppendReceivedChecked(stored, outcome =>
        {
            session.Unstored.Release(cost);
            var firstHeld = hold && _requests.Settle(id, message.Id, outcome.IsNew);
            if (outcome.Refusal is { } refusal)
            {
                _node.Reject(address.ToString(), $"message {message.Id} from {id.Short} not stored: {refusal}");
                return; // not acknowledged: its author is never told "delivered"
            }
            if (outcome.IsNew)
            {
                if (hold)
                    Hold(session, name, message, firstHeld);
                else
                    Show(address, id, name, message);
            }
            _ = session.AcknowledgeAsync(message.Id);
        });
    }

    private void Show(PeerKey from, PeerId id, string name, ChatMessage message)
    {
        _node.Peers.Touch(from, name, PeerProtocol.Secure, _node.Now, countsAsMessage: true, id);
        _node.Publish(new MessageReceived(_node.Now, from, name, message.Text, PeerProtocol.Secure, id, message.Id, message.SentAt));
    }

    private void Hold(SecureSession session, string name, ChatMessage message, bool first)
    {
        if (first)
        {
            MessagingLog.ContactRequest(_log, session.RemoteId.Short);
            _node.Publish(new ContactRequestReceived(_node.Now, session.Address, session.RemoteId, name, message.Text));
        }
    }

    /// <summary>Trusts the peer; messages it sent while it was not trusted are shown now.</summary>
    public void TrustPeer(PeerId id)
    {
        _node.Trust.SetState(id, TrustState.Trusted, _node.Now);
        foreach (var m in _requests.Release(id))
        {
            var from = ContactRequestBook.AddressOf(m.Address);
            // Group messages held under the same rule (an untrusted member of a group whose admin is not trusted).
            if (m.IsGroup && Guid.TryParse(m.Conversation[StoredMessage.GroupPrefix.Length..], out var groupId))
                _node.Publish(new GroupMessageReceived(_node.Now, groupId, _node.Store.FindGroup(groupId)?.Name ?? "", from, id, m.Name, m.Text,
                    m.Id, m.Lamport ?? 0));
            else
                Show(from, id, m.Name, new ChatMessage(m.Id, m.SentAt, m.Text));
        }
    }

    /// <summary>Deletes a contact request's messages (they were never shown); the peer stays unknown.</summary>
    public bool RejectContactRequest(PeerId id) => _requests.Drop(id);

    /// <summary>Blocks the peer: its connection is closed at once and nothing more of it is processed.</summary>
    public async Task BlockPeerAsync(PeerId id)
    {
        _node.Trust.SetState(id, TrustState.Blocked, _node.Now);
        _requests.Drop(id);
        await _sessions.CloseAsync(id, "blocked").ConfigureAwait(false);
        foreach (var peer in _node.Peers.Snapshot().Where(p => p.Id == id))
            _node.Peers.Remove(peer.Key, PeerRemovalReason.RemovedByUser);
    }

    public void UnblockPeer(PeerId id) => _node.Trust.SetState(id, TrustState.Unknown, _node.Now);
}
