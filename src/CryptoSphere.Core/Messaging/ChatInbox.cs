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
    private readonly ConcurrentDictionary<string, HeldMessages> _held = new();

    public ChatInbox(NodeRuntime node, SessionRegistry sessions, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _log = node.Logger<ChatInbox>();
        router.Handle(FrameType.Chat, OnChatFrameAsync);
    }

    /// <summary>Contact requests waiting for a decision (<c>--accept trusted</c>).</summary>
    public IReadOnlyList<HeldMessages> ContactRequests => _held.Values.ToList();

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
        var stored = new StoredMessage(message.Id, ConversationId.Peer(id).ToString(), false, id.Value, address.ToString(),
            name, message.Text, PeerProtocol.Secure, message.SentAt, _node.Now, MessageState.Received);
        await session.WaitForStoreAsync().ConfigureAwait(false);
        // Committed before acknowledged; a resend after a lost ack is acknowledged again but shown once.
        _node.Store.AppendReceived(stored, isNew =>
        {
            session.Unstored.Release();
            if (isNew)
            {
                if (_node.Options.Accept == AcceptPolicy.Trusted && _node.Trust.StateOf(id) != TrustState.Trusted)
                    Hold(session, name, message);
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

    private void Hold(SecureSession session, string name, ChatMessage message)
    {
        var held = _held.GetOrAdd(session.RemoteId.Value, _ => new HeldMessages(session.RemoteId, session.Address, name));
        held.From = session.Address;
        held.Name = name;
        if (held.Add(message) == 1)
        {
            MessagingLog.ContactRequest(_log, session.RemoteId.Short);
            _node.Publish(new ContactRequestReceived(_node.Now, session.Address, session.RemoteId, name, message.Text));
        }
    }

    /// <summary>Trusts the peer; messages it sent while it was not trusted are shown now.</summary>
    public void TrustPeer(PeerId id)
    {
        _node.Trust.SetState(id, TrustState.Trusted, _node.Now);
        if (_held.TryRemove(id.Value, out var held))
        {
            foreach (var message in held.Messages)
                Show(held.From, id, held.Name, message);
        }
    }

    /// <summary>Drops a contact request's messages from view; the peer stays unknown.</summary>
    public bool RejectContactRequest(PeerId id) => _held.TryRemove(id.Value, out _);

    /// <summary>Blocks the peer: its connection is closed at once and nothing more of it is processed.</summary>
    public async Task BlockPeerAsync(PeerId id)
    {
        _node.Trust.SetState(id, TrustState.Blocked, _node.Now);
        _held.TryRemove(id.Value, out _);
        await _sessions.CloseAsync(id, "blocked").ConfigureAwait(false);
        foreach (var peer in _node.Peers.Snapshot().Where(p => p.Id == id))
            _node.Peers.Remove(peer.Key, PeerRemovalReason.RemovedByUser);
    }

    public void UnblockPeer(PeerId id) => _node.Trust.SetState(id, TrustState.Unknown, _node.Now);
}
