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
        // The one door to plaintext: an address where a secure peer proved its ID is only reached over TLS to
        // that ID, whatever a legacy message or a stale table entry says about it.
        if (SecureIdAt(to) is { } secure)
            return SendResult.Failed(to, $"{to} is the address of secure peer {secure.Short}: nothing is sent there in plaintext");
        try
        {
            if (connected is null)
                await LegacySender.SendAsync(to.Host, to.Port, message, node.Options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            else if (await LegacySender.SendOnAsync(connected, message, node.Options.ConnectTimeout, cancellationToken).ConfigureAwait(false))
            {
                var caveat = LateGreetingCaveat(to);
                LegacyLog.GreetedLate(_log, to);
                return SendResult.Ok(to) with { Caveat = caveat };
            }
            return SendResult.Ok(to);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or OperationCanceledException)
        {
            return SendResult.Failed(to, e is SocketException s ? SocketErrors.Describe(s) : e.Message);
        }
    }

    // What this side knows of a message written in plaintext to a CryptoSphere listener after its late greeting: the
    // listener reads a legacy message that follows its greeting as one from an old peer.
    private string LateGreetingCaveat(PeerKey to) =>
        $"{to} is a CryptoSphere node after all: its greeting came later than the {node.Options.GreetingWait.TotalSeconds:0.#} s " +
        "wait (a busy node), so this message went in plaintext. That node shows it as unencrypted and unverified (or refuses it " +
        $"if it is --secure-only), and cannot acknowledge it. Later messages to {to} go over TLS";

    private Identity.PeerId? SecureIdAt(PeerKey to) =>
        node.Peers.Find(to) is { Protocol: PeerProtocol.Secure, Id: { } id } ? id : node.Trust.FindByAddress(to.ToString())?.Id;
}
