using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Legacy;

/// <summary>
/// The plaintext protocol of the original peer, receiving side: one message per connection, checked against
/// the access lists, stored before it is shown. Sending is <see cref="LegacyOutbound"/>.
/// </summary>
internal sealed class LegacyEndpoint(NodeRuntime node)
{
    private readonly ILogger _log = node.Logger<LegacyEndpoint>();

    private NodeOptions Options => node.Options;

    /// <summary>A connection whose first byte is '&lt;' (peeked by the listener, so the read never comes back empty).</summary>
    public async Task HandleAsync(Socket socket, IPEndPoint remote, CancellationToken token)
    {
        if (Refusal(Options, remote.Address) is { } refusal)
        {
            node.Reject(remote.ToString(), refusal);
            return;
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var read = await LegacyMessageReader.ReadAsync(stream, Options.MaxLegacyMessageBytes, Options.ReadTimeout, token,
                Options.LegacyMessageDeadline)
            .ConfigureAwait(false);
        var remoteText = remote.ToString();
        if (read.Error == LegacyReadError.TooLarge)
        {
            node.Reject(remoteText, $"legacy message larger than the {Options.MaxLegacyMessageBytes}-byte cap");
            return;
        }

        var decoded = LegacyCodec.Decode(read.Data);
        // Tolerating a missing <end> is for a sender that closed; one that stalled mid-message sent only part of it.
        if (read.Error == LegacyReadError.TimedOut && (!decoded.Success || decoded.Message is LegacyChat && !EndsWithEndMarker(read.Data)))
        {
            node.Reject(remoteText,
                $"incomplete message: {read.Data.Length} bytes without <end>, then nothing within the {Options.ReadTimeout.TotalSeconds:0.#} s " +
                $"read timeout or not all within the {Options.LegacyMessageDeadline.TotalSeconds:0.#} s message deadline");
            return;
        }
        if (!decoded.Success)
        {
            node.Reject(remoteText, decoded.Error!);
            return;
        }
        await ReceiveAsync(decoded.Message!, remote).ConfigureAwait(false);
    }

    private static bool EndsWithEndMarker(ReadOnlySpan<byte> data) =>
        data.TrimEnd("\r\n \t"u8).EndsWith("<end>"u8);

    private async Task ReceiveAsync(LegacyMessage message, IPEndPoint remote)
    {
        // The header's IP is the sender's own guess and is not trusted; the connection's address is.
        var origin = LegacyOrigin.Resolve(remote.Address, message.SenderPort, remote.Port, node.Port, LegacyOrigin.IsThisHost, node.Peers);
        var key = origin.Key;
        if (!origin.UpdatesPeerTable)
            LegacyLog.PeerTableLeftAlone(_log, key);
        switch (message)
        {
            case LegacyDisconnect:
                if (origin.UpdatesPeerTable && node.Peers.Remove(key, PeerRemovalReason.Disconnected))
                    LegacyLog.Disconnected(_log, key);
                break;
            case LegacyChat { IsConnectionRequest: true } chat:
                if (origin.UpdatesPeerTable)
                    node.Peers.Touch(key, chat.Team, PeerProtocol.Legacy, node.Now, countsAsMessage: true);
                node.Publish(new ConnectionRequestReceived(node.Now, key, chat.Team));
                break;
            case LegacyChat chat:
                // Stored before it is shown: nothing received is lost on a crash right after.
                var id = Guid.CreateVersion7();
                var outcome = await node.Store.AppendReceivedCheckedAsync(new StoredMessage(id, ConversationId.Legacy(key).ToString(), false, null,
                    key.ToString(), chat.Team, chat.Text, PeerProtocol.Legacy, node.Now, node.Now, MessageState.Received)).ConfigureAwait(false);
                if (outcome.Refusal is { } refusal)
                {
                    node.Reject(key.ToString(), $"legacy message not stored: {refusal}");
                    break;
                }
                if (origin.UpdatesPeerTable)
                    node.Peers.Touch(key, chat.Team, PeerProtocol.Legacy, node.Now, countsAsMessage: true);
                node.Publish(new MessageReceived(node.Now, key, chat.Team, chat.Text, PeerProtocol.Legacy, MessageId: id)
                    { InvalidUtf8 = chat.InvalidUtf8 });
                break;
        }
    }

    /// <summary>Why a legacy peer at <paramref name="address"/> is refused, or null. Static so the lists' rules are tested directly.</summary>
    internal static string? Refusal(NodeOptions options, IPAddress address)
    {
        if (options.SecureOnly)
            return "legacy (unencrypted) protocol refused: this node is --secure-only";
        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (options.LegacyDeny.Contains(ip))
            return $"legacy peer {ip} is on the deny list";
        if (options.LegacyAllow.Count > 0 && !options.LegacyAllow.Contains(ip))
            return $"legacy peer {ip} is not on the allow list";
        return null;
    }
}
