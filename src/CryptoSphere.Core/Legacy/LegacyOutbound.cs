using System.Net.Sockets;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Legacy;

/// <summary>The plaintext protocol, sending side: one connection per message, with this node's header.</summary>
internal sealed class LegacyOutbound(NodeRuntime node)
{
    private readonly ILogger _log = node.Logger<LegacyOutbound>();

    public byte[] Chat(string text) => LegacyCodec.EncodeChat(node.AdvertisedIp, node.Port, node.Options.Name, text);

    /// <summary>The text as the messages the original can read whole (its single 1,024-byte read).</summary>
    public IReadOnlyList<string> Parts(string text) =>
        LegacyTextSplitter.Split(text, LegacyTextSplitter.TextBudget(node.AdvertisedIp, node.Port, node.Options.Name));

    public byte[] ConnectionRequest() => Chat(LegacyCodec.ConnectionRequestText);

    public byte[] Disconnect() => LegacyCodec.EncodeDisconnect(node.AdvertisedIp, node.Port);

    /// <summary>Control messages (CONNECTION_REQUEST) are not chat: they are neither stored nor queued.</summary>
    public async Task<SendResult> SendControlAsync(PeerKey to, byte[] message, CancellationToken cancellationToken)
    {
        var result = await SendAsync(to, message, cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            LegacyLog.SendFailed(_log, to, result.Error);
            node.Publish(new SendFailed(node.Now, to, result.Error!));
            node.Peers.Remove(to, PeerRemovalReason.Unreachable);
        }
        return result;
    }

    /// <summary>One attempt; the result says why it failed. <paramref name="connected"/>: a silent connection to use (and close).</summary>
    public async Task<SendResult> SendAsync(PeerKey to, byte[] message, CancellationToken cancellationToken, Socket? connected = null)
    {
        try
        {
            if (connected is not null)
                await LegacySender.SendOnAsync(connected, message, node.Options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            else
                await LegacySender.SendAsync(to.Host, to.Port, message, node.Options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            return SendResult.Ok(to);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or OperationCanceledException)
        {
            return SendResult.Failed(to, e is SocketException s ? SocketErrors.Describe(s) : e.Message);
        }
    }
}
