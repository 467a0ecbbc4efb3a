using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// The legacy protocol side of the node: one message per connection, in and out.
public sealed partial class ChatNode
{
    private async Task HandleLegacyAsync(Socket socket, IPEndPoint remote, CancellationToken token)
    {
        if (LegacyRefusal(remote.Address) is { } refusal)
        {
            Reject(remote.ToString(), refusal);
            return;
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var read = await LegacyMessageReader.ReadAsync(stream, _options.MaxLegacyMessageBytes, _options.ReadTimeout, token,
                _options.LegacyMessageDeadline)
            .ConfigureAwait(false);
        var remoteText = remote.ToString();
        if (read.Error == LegacyReadError.TooLarge)
        {
            Reject(remoteText, $"legacy message larger than the {_options.MaxLegacyMessageBytes}-byte cap");
            return;
        }
        if (read.Error == LegacyReadError.TimedOut && read.Data.Length == 0)
        {
            Reject(remoteText, $"no data within the {_options.ReadTimeout.TotalSeconds:0.#} s read timeout");
            return;
        }

        var decoded = LegacyCodec.Decode(read.Data);
        // Tolerating a missing <end> is for a sender that closed; one that stalled mid-message sent only part of it.
        if (read.Error == LegacyReadError.TimedOut && (!decoded.Success || decoded.Message is LegacyChat && !EndsWithEndMarker(read.Data)))
        {
            Reject(remoteText,
                $"incomplete message: {read.Data.Length} bytes without <end>, then nothing within the {_options.ReadTimeout.TotalSeconds:0.#} s " +
                $"read timeout or not all within the {_options.LegacyMessageDeadline.TotalSeconds:0.#} s message deadline");
            return;
        }
        if (!decoded.Success)
        {
            Reject(remoteText, decoded.Error!);
            return;
        }
        await AcceptAsync(decoded.Message!, remote).ConfigureAwait(false);
    }

    private static bool EndsWithEndMarker(ReadOnlySpan<byte> data) =>
        data.TrimEnd("\r\n \t"u8).EndsWith("<end>"u8);

    private async Task AcceptAsync(LegacyMessage message, IPEndPoint remote)
    {
        // The header's IP is the sender's own guess and is not trusted; the connection's address is.
        var key = new PeerKey(PeerKey.HostOf(remote.Address), message.SenderPort ?? remote.Port);
        switch (message)
        {
            case LegacyDisconnect:
                if (Peers.Remove(key, PeerRemovalReason.Disconnected))
                    _log.LogInformation("Peer {Peer} disconnected", key);
                break;
            case LegacyChat { IsConnectionRequest: true } chat:
                Peers.Touch(key, chat.Team, PeerProtocol.Legacy, Now, countsAsMessage: true);
                Raise(new ConnectionRequestReceived(Now, key, chat.Team));
                break;
            case LegacyChat chat:
                // Stored before it is shown: nothing received is lost on a crash right after.
                var id = Guid.CreateVersion7();
                var outcome = await Store.AppendReceivedCheckedAsync(new StoredMessage(id, StoredMessage.ConversationOf(null, key), false, null,
                    key.ToString(), chat.Team, chat.Text, PeerProtocol.Legacy, Now, Now, MessageState.Received)).ConfigureAwait(false);
                if (outcome.Refusal is { } refusal)
                {
                    Reject(key.ToString(), $"legacy message not stored: {refusal}");
                    break;
                }
                Peers.Touch(key, chat.Team, PeerProtocol.Legacy, Now, countsAsMessage: true);
                Raise(new MessageReceived(Now, key, chat.Team, chat.Text, PeerProtocol.Legacy, MessageId: id));
                break;
        }
    }


    public Task<SendResult[]> BroadcastAsync(string text, CancellationToken cancellationToken = default) =>
        Task.WhenAll(Peers.Snapshot().Select(p => SendAsync(p.Key, text, cancellationToken)));

    /// <summary>Menu option 3: a CONNECTION_REQUEST to every legacy peer, a secure connection to every secure one.</summary>
    public Task<SendResult[]> RequestConnectionsAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(Peers.Snapshot().Select(p => p.Protocol == PeerProtocol.Legacy
            ? SendLegacyAsync(p.Key, LegacyCodec.EncodeChat(AdvertisedIp, Port, _options.Name, LegacyCodec.ConnectionRequestText), cancellationToken)
            : ConnectSecureAsync(p.Key, p.Id, cancellationToken)));

    private async Task<SendResult> ConnectSecureAsync(PeerKey address, PeerId? id, CancellationToken cancellationToken)
    {
        var dial = await DialAsync(address, id, cancellationToken).ConfigureAwait(false);
        return dial.Session is not null
            ? SendResult.Ok(address) with { Protocol = PeerProtocol.Secure }
            : Failed(address, dial.Error!);
    }

    private string? LegacyRefusal(IPAddress address)
    {
        if (_options.SecureOnly)
            return "legacy (unencrypted) protocol refused: this node is --secure-only";
        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (_options.LegacyDeny.Contains(ip))
            return $"legacy peer {ip} is on the deny list";
        if (_options.LegacyAllow.Count > 0 && !_options.LegacyAllow.Contains(ip))
            return $"legacy peer {ip} is not on the allow list";
        return null;
    }

    /// <summary>Sends DISCONNECT to the peer and removes it from the table, even when it cannot be reached.</summary>
    public async Task<SendResult> RemovePeerAsync(PeerKey key, CancellationToken cancellationToken = default)
    {
        var peer = Peers.Find(key);
        if (peer is null)
            return SendResult.Failed(key, $"unknown peer {key}");
        if (peer.Protocol == PeerProtocol.Secure)
        {
            if (FindSession(key) is { } session && _sessions.TryRemove(KeyValuePair.Create(session.RemoteId.Value, session)))
                await session.CloseAsync(sayBye: true).ConfigureAwait(false);
            Peers.Remove(key, PeerRemovalReason.RemovedByUser);
            return SendResult.Ok(key) with { Protocol = PeerProtocol.Secure };
        }
        var result = await TrySendRawAsync(key, LegacyCodec.EncodeDisconnect(AdvertisedIp, Port), cancellationToken)
            .ConfigureAwait(false);
        Peers.Remove(key, PeerRemovalReason.RemovedByUser);
        return result;
    }

    // Control messages (CONNECTION_REQUEST) are not chat: they are neither stored nor queued.
    private async Task<SendResult> SendLegacyAsync(PeerKey to, byte[] message, CancellationToken cancellationToken)
    {
        var result = await TrySendRawAsync(to, message, cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            _log.LogWarning("Send to {Peer} failed: {Error}", to, result.Error);
            Raise(new SendFailed(Now, to, result.Error!));
            Peers.Remove(to, PeerRemovalReason.Unreachable);
        }
        return result;
    }

    private async Task<SendResult> TrySendRawAsync(PeerKey to, byte[] message, CancellationToken cancellationToken)
    {
        try
        {
            await LegacySender.SendAsync(to.Host, to.Port, message, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            return SendResult.Ok(to);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or OperationCanceledException)
        {
            return SendResult.Failed(to, e is SocketException s ? Describe(s) : e.Message);
        }
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (is the peer running?)",
        SocketError.HostNotFound or SocketError.NoData => "unknown host",
        SocketError.TimedOut => "timed out",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
        _ => e.Message,
    };
}
