using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Sessions;

namespace CryptoSphere.Core.Messaging;

/// <summary>What the user does to peers in the table: connect to all, broadcast, remove one.</summary>
internal sealed class PeerActions(NodeRuntime node, SessionRegistry sessions, SessionDialer dialer, LegacyOutbound legacy, ChatSender chat)
{
    public Task<SendResult[]> BroadcastAsync(string text, CancellationToken cancellationToken) =>
        Task.WhenAll(node.Peers.Snapshot().Select(p => chat.SendAsync(p.Key, text, cancellationToken)));

    /// <summary>Menu option 3: a CONNECTION_REQUEST to every legacy peer, a secure connection to every secure one.</summary>
    public Task<SendResult[]> RequestConnectionsAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(node.Peers.Snapshot().Select(p => p.Protocol == PeerProtocol.Legacy
            ? legacy.SendControlAsync(p.Key, legacy.ConnectionRequest(), cancellationToken)
            : ConnectSecureAsync(p.Key, p.Id, cancellationToken)));

    private async Task<SendResult> ConnectSecureAsync(PeerKey address, PeerId? id, CancellationToken cancellationToken)
    {
        var dial = await dialer.DialAsync(address, id, cancellationToken).ConfigureAwait(false);
        return dial.Session is not null
            ? SendResult.Ok(address) with { Protocol = PeerProtocol.Secure }
            : chat.Failed(address, dial.Error!);
    }

    /// <summary>Sends DISCONNECT (or BYE) to the peer and removes it from the table, even when it cannot be reached.</summary>
    public async Task<SendResult> RemoveAsync(PeerKey key, CancellationToken cancellationToken)
    {
        var peer = node.Peers.Find(key);
        if (peer is null)
            return SendResult.Failed(key, $"unknown peer {key}");
        if (peer.Protocol == PeerProtocol.Secure)
        {
            await sessions.CloseAsync(key, sayBye: true).ConfigureAwait(false);
            node.Peers.Remove(key, PeerRemovalReason.RemovedByUser);
            return SendResult.Ok(key) with { Protocol = PeerProtocol.Secure };
        }
        var result = await legacy.SendAsync(key, legacy.Disconnect(), cancellationToken).ConfigureAwait(false);
        node.Peers.Remove(key, PeerRemovalReason.RemovedByUser);
        return result;
    }

    /// <summary>Says goodbye to every legacy peer (DISCONNECT), all at once; the caller bounds the time.</summary>
    public Task SayGoodbyeToLegacyPeersAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(node.Peers.Snapshot().Where(p => p.Protocol == PeerProtocol.Legacy)
            .Select(p => legacy.SendAsync(p.Key, legacy.Disconnect(), cancellationToken)));
}
