using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Messaging;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure.Messages;
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
    public Task HandleAsync(Socket socket, IPEndPoint remote, CancellationToken token) =>
        HandleAsync(socket, remote, afterGreeting: false, token);

    /// <summary>
    /// The same, for a message that came only after this node's greeting: the original never waits to be greeted, so its
    /// sender is a CryptoSphere node whose wait for the greeting ran out (docs/protocol.md §2.1). The message is shown as
    /// any plaintext one, but its address is not filed as an old peer's, so a reply asks it again (docs/protocol.md §2.1).
    /// </summary>
    public Task HandleAfterGreetingAsync(Socket socket, IPEndPoint remote, CancellationToken token) =>
        HandleAsync(socket, remote, afterGreeting: true, token);

    private async Task HandleAsync(Socket socket, IPEndPoint remote, bool afterGreeting, CancellationToken token)
    {
        if (IsRefused(remote))
            return;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var read = await LegacyMessageReader.ReadAsync(stream, Options.MaxLegacyMessageBytes, Options.ReadTimeout, token,
                Options.LegacyMessageDeadline)
            .ConfigureAwait(false);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Take(read.Data, read.Error, remote, received.SetResult, afterGreeting);
        await received.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// The listener's shortcut for the usual case, tried on its accept thread: when the whole message (through its
    /// <c>\n&lt;end&gt;</c>) is already in the socket, it is read at once and stored with no task, no timer and no
    /// thread switch; <paramref name="done"/> runs once it is stored (or refused), and the listener then closes the
    /// connection, as after <see cref="HandleAsync"/>. False, with nothing read, when the bytes there are not a whole
    /// legacy message (a TLS client, a message still arriving, a DISCONNECT that ends at the close): the listener
    /// then hands the connection to <see cref="HandleAsync"/> or the secure side as before.
    /// </summary>
    public bool TryHandleArrived(Socket socket, IPEndPoint remote, Action done)
    {
        var available = socket.Available;
        if (available is 0 or > ArrivedMax || available > Options.MaxLegacyMessageBytes)
            return false;
        var buffer = ArrayPool<byte>.Shared.Rent(available);
        try
        {
            var data = buffer.AsSpan(0, socket.Receive(buffer, 0, available, SocketFlags.Peek));
            if (data.IsEmpty || data[0] != (byte)'<' || !data.EndsWith(LegacyMessageReader.EndMarker))
                return false;
            // Refused unread, as HandleAsync refuses.
            if (!IsRefused(remote) && socket.Receive(buffer, 0, data.Length, SocketFlags.None) == data.Length)
            {
                Take(data, LegacyReadError.None, remote, done);
                return true;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        done();
        return true;
    }

    // The access lists, checked before anything is read: true (and reported) when this peer is refused.
    private bool IsRefused(IPEndPoint remote)
    {
        if (Refusal(Options, remote.Address) is not { } refusal)
            return false;
        node.Reject(remote.ToString(), refusal);
        return true;
    }

    // The one receive step of both paths: the bytes read are checked, then stored and shown; done (the close) runs
    // after the commit, or at once when the message is refused.
    private void Take(ReadOnlySpan<byte> data, LegacyReadError error, IPEndPoint remote, Action done, bool afterGreeting = false)
    {
        if (Check(data, error, remote) is { } message)
            Receive(message, remote, done, afterGreeting);
        else
            done();
    }

    // A message is this short unless its text is long; a longer one takes the ordinary path.
    private const int ArrivedMax = 4096;

    // The message, or null when it was refused (and reported).
    private LegacyMessage? Check(ReadOnlySpan<byte> data, LegacyReadError error, IPEndPoint remote)
    {
        if (error == LegacyReadError.TooLarge)
        {
            node.Reject(remote.ToString(), $"legacy message larger than the {Options.MaxLegacyMessageBytes}-byte cap");
            return null;
        }

        var decoded = LegacyCodec.Decode(data);
        // Tolerating a missing <end> is for a sender that closed; one that stalled mid-message sent only part of it.
        if (error == LegacyReadError.TimedOut && (!decoded.Success || decoded.Message is LegacyChat && !EndsWithEndMarker(data)))
        {
            node.Reject(remote.ToString(),
                $"incomplete message: {data.Length} bytes without <end>, then nothing within the {Options.ReadTimeout.TotalSeconds:0.#} s " +
                $"read timeout or not all within the {Options.LegacyMessageDeadline.TotalSeconds:0.#} s message deadline");
            return null;
        }
        if (!decoded.Success)
        {
            node.Reject(remote.ToString(), decoded.Error!);
            return null;
        }
        return decoded.Message!;
    }

    private static bool EndsWithEndMarker(ReadOnlySpan<byte> data) =>
        data.TrimEnd("\r\n \t"u8).EndsWith("<end>"u8);

    // Runs done once the message has been stored (or refused) and shown; a chat message is stored on the store's
    // writer, and done runs there after the commit.
    private void Receive(LegacyMessage message, IPEndPoint remote, Action done, bool afterGreeting)
    {
        // The header's IP is the sender's own guess and is not trusted; the connection's address is.
        var origin = LegacyOrigin.Resolve(remote.Address, message.SenderPort, remote.Port, node.Port, LegacyOrigin.IsThisHost, node.Peers);
        var key = origin.Key;
        var updatesPeerTable = origin.UpdatesPeerTable;
        if (!updatesPeerTable)
            LegacyLog.PeerTableLeftAlone(_log, key);
        else if (afterGreeting)
        {
            // Filed as an old peer, its address would get plaintext from this node. Not marked as a node's either: an
            // old peer slow to write (a loaded machine) looks the same from here, and the mark would cut it off for good.
            // A reply dials as to any new address, and the greeting there decides.
            updatesPeerTable = false;
            LegacyLog.PlaintextFromNode(_log, key);
        }
        // Tidied before it is stored, filed or shown (LegacyNames): whitespace runs, padding and a name long enough to push
        // the real "[unencrypted, unverified]" off the screen are text the sender controls, and history keeps what is stored.
        if (message is LegacyChat named)
            message = named with { Team = LegacyNames.Tidy(named.Team) };
        switch (message)
        {
            case LegacyDisconnect:
                if (updatesPeerTable && node.Peers.Remove(key, PeerRemovalReason.Disconnected))
                    LegacyLog.Disconnected(_log, key);
                break;
            case LegacyChat { IsConnectionRequest: true } chat:
                if (updatesPeerTable)
                    node.Peers.Touch(key, chat.Team, PeerProtocol.Legacy, node.Now, countsAsMessage: true);
                node.Publish(new ConnectionRequestReceived(node.Now, key, chat.Team));
                break;
            case LegacyChat chat:
                // Stored before it is shown: nothing received is lost on a crash right after.
                var id = MessageIds.NewV7();
                var now = node.Now;
                node.Store.AppendReceivedChecked(new StoredMessage(id, ConversationId.Legacy(key).ToString(), false, null,
                    key.ToString(), chat.Team, chat.Text, PeerProtocol.Legacy, now, now, MessageState.Received), outcome =>
                {
                    try
                    {
                        Stored(outcome, chat, key, updatesPeerTable, id);
                    }
                    finally
                    {
                        done();
                    }
                });
                return;
        }
        done();
    }

    private void Stored(ReceiveOutcome outcome, LegacyChat chat, PeerKey key, bool updatesPeerTable, Guid id)
    {
        if (outcome.Refusal is { } refusal)
        {
            node.Reject(key.ToString(), $"legacy message not stored: {refusal}");
            return;
        }
        if (updatesPeerTable)
            node.Peers.Touch(key, chat.Team, PeerProtocol.Legacy, node.Now, countsAsMessage: true);
        node.Publish(new MessageReceived(node.Now, key, chat.Team, chat.Text, PeerProtocol.Legacy, MessageId: id)
            { InvalidUtf8 = chat.InvalidUtf8 });
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
