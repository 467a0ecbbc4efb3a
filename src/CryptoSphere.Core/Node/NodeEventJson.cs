using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Node;

/// <summary>
/// One JSON object per node event: the format of <c>listen --json</c> and of the web page's live feed.
/// Built from the event alone (no database), since it runs on the node's own threads.
/// </summary>
public static class NodeEventJson
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(NodeEvent e)
    {
        using var o = EventJsonWriter.Start(Options.Encoder);
        Fill(o, e);
        return o.Finish();
    }

    /// <summary>
    /// The same JSON as <see cref="Serialize(NodeEvent)"/>, as UTF-8 handed to <paramref name="written"/> (valid only during
    /// the call): a program that prints it as bytes makes no string of it and does not encode it back.
    /// </summary>
    public static void Serialize<TState>(NodeEvent e, TState state, System.Buffers.ReadOnlySpanAction<byte, TState> written)
    {
        using var o = EventJsonWriter.Start(Options.Encoder);
        Fill(o, e);
        written(o.FinishUtf8(), state);
    }

    private static void Fill(EventJsonWriter o, NodeEvent e)
    {
        // Written straight to UTF-8 in the order the fields are added (as a JsonObject kept them): building a JsonObject per
        // event cost more than the rest of printing it, at one event per message sent and per message received.
        o.Add("type", TypeName(e));
        o.Add("time", e.Time);
        switch (e)
        {
            case NodeStarted s:
                // "ip" stays the advertised address (scripts read it); "bind" is where the node really listens.
                o.Add("ip", s.AdvertisedIp);
                if (s.Bind is { } bind) o.Add("bind", bind);
                o.Add("port", s.Port);
                if (s.RequestedPort is { } asked) o.Add("requestedPort", asked);
                break;
            case MessageReceived m:
                o.Add("conversation", m.PeerId is { } author ? ConversationId.TextOf(author) : ConversationId.Legacy(m.From).ToString());
                o.Add("from", m.From);
                o.Add("name", m.Name);
                o.Add("text", m.Text);
                o.Add("protocol", Protocol(m.Protocol));
                if (m.PeerId is { } id) o.Add("peerId", id);
                if (m.MessageId is { } messageId) o.Add("messageId", messageId);
                if (m.SentAt is { } sentAt) o.Add("sentAt", sentAt);
                if (m.InvalidUtf8) o.Add("invalidUtf8", true);
                if (m.ArrivedLate) o.Add("arrivedLate", true);
                break;
            case GroupMessageReceived g:
                o.Add("conversation", ConversationId.Group(g.GroupId).ToString());
                o.Add("groupId", g.GroupId);
                o.Add("group", g.GroupName);
                o.Add("from", g.From);
                o.Add("peerId", g.Author);
                o.Add("name", g.Name);
                o.Add("text", g.Text);
                o.Add("messageId", g.MessageId);
                o.Add("lamport", g.Lamport);
                break;
            case GroupChanged g:
                o.Add("conversation", g.Group.Conversation);
                o.Add("groupId", g.Group.Id);
                o.Add("group", g.Group.Name);
                o.Add("version", g.Group.Version);
                o.Add("member", g.Group.IsMember);
                o.Add("members", new JsonArray(g.Group.Current.Select(m => (JsonNode)JsonValue.Create(m.Id.ToString())!).ToArray()));
                break;
            case NodeFailed f:
                o.Add("reason", f.Reason);
                break;
            case MessageFailed f:
                o.Add("to", f.To);
                o.Add("messageId", f.MessageId);
                o.Add("reason", f.Reason);
                break;
            case MessageHeldByMailbox h:
                o.Add("conversation", ConversationId.TextOf(h.Recipient));
                o.Add("peerId", h.Recipient);
                o.Add("messageId", h.MessageId);
                o.Add("mailbox", h.Mailbox);
                break;
            case MessageDelivered d:
                o.Add("conversation", ConversationId.TextOf(d.PeerId));
                o.Add("to", d.To);
                o.Add("peerId", d.PeerId);
                o.Add("messageId", d.MessageId);
                break;
            case SecurePeerConnected c:
                o.Add("peer", c.Address);
                o.Add("peerId", c.PeerId);
                o.Add("name", c.Name);
                o.Add("trust", c.Trust.ToString().ToLowerInvariant());
                o.Add("firstContact", c.FirstContact);
                o.Add("reach", LocalNetworks.Label(LocalNetworks.ReachOf(c.Address)));
                break;
            case SecurePeerDisconnected d:
                o.Add("peer", d.Address);
                o.Add("peerId", d.PeerId);
                o.Add("reason", d.Reason);
                break;
            case ContactRequestReceived r:
                o.Add("from", r.From);
                o.Add("peerId", r.PeerId);
                o.Add("name", r.Name);
                o.Add("text", r.FirstText);
                break;
            case PeerRefused r:
                o.Add("remote", r.Remote);
                if (r.PeerId is { } refused) o.Add("peerId", refused);
                o.Add("reason", r.Reason);
                if (r.ClosedByPeer) o.Add("closedByPeer", true);
                break;
            case ConnectionRequestReceived r:
                o.Add("from", r.From);
                o.Add("name", r.Name);
                break;
            case PeerAdded a:
                AddPeer(o, a.Peer);
                break;
            case PeerUpdated u:
                AddPeer(o, u.Peer);
                break;
            case PeerRemoved r:
                AddPeer(o, r.Peer);
                o.Add("reason", JsonNamingPolicy.CamelCase.ConvertName(r.Reason.ToString()));
                break;
            case SendFailed f:
                o.Add("to", f.To);
                o.Add("reason", f.Reason);
                o.Add("queued", f.Queued);
                break;
            case InputRejected i:
                o.Add("remote", i.Remote);
                o.Add("reason", i.Reason);
                break;
            case TransferOffered t:
                AddTransfer(o, t.Transfer);
                o.Add("from", t.From);
                break;
            case TransferAccepted t:
                AddTransfer(o, t.Transfer);
                o.Add("resumeOffset", t.ResumeOffset);
                break;
            case TransferProgress t:
                AddTransfer(o, t.Transfer);
                o.Add("bytesPerSecond", Math.Round(t.BytesPerSecond));
                o.Add("remainingSeconds", t.Remaining is { } left ? Math.Round(left.TotalSeconds, 1) : null);
                break;
            case TransferInterrupted t:
                AddTransfer(o, t.Transfer);
                o.Add("reason", t.Reason);
                break;
            case TransferCompleted t:
                AddTransfer(o, t.Transfer);
                break;
            case TransferFailed t:
                AddTransfer(o, t.Transfer);
                o.Add("reason", t.Reason);
                break;
            case TransferDeclined t:
                AddTransfer(o, t.Transfer);
                o.Add("reason", t.Reason);
                break;
            case TransferCancelled t:
                AddTransfer(o, t.Transfer);
                o.Add("reason", t.Reason);
                o.Add("byPeer", t.ByPeer);
                break;
            case EventsMissed m:
                o.Add("count", m.Count);
                break;
        }
    }

    private static void AddPeer(EventJsonWriter o, Peer p)
    {
        o.Add("peer", p.Key);
        o.Add("name", p.Name);
        o.Add("protocol", Protocol(p.Protocol));
        o.Add("reach", LocalNetworks.Label(LocalNetworks.ReachOf(p.Key)));
        o.Add("lastSeen", p.LastSeen);
        o.Add("messages", p.MessageCount);
        if (p.Id is { } id) o.Add("peerId", id);
    }

    private static void AddTransfer(EventJsonWriter o, TransferInfo t)
    {
        o.Add("transferId", t.Id);
        o.Add("direction", t.IsOutgoing ? "outgoing" : "incoming");
        o.Add("peerId", t.PeerId);
        o.Add("peerName", t.PeerName);
        o.Add("name", t.Name);
        o.Add("size", t.Size);
        o.Add("sha256", t.Sha256);
        o.Add("bytes", t.Bytes);
        o.Add("state", JsonNamingPolicy.CamelCase.ConvertName(t.State.ToString()));
        o.Add("path", t.Path);
    }

    private static string Protocol(PeerProtocol p) => p == PeerProtocol.Legacy ? "legacy" : "secure";

    // Kept per event type: in the native build Type.Name decodes the name from metadata on every call, and with the
    // snake-case conversion it was about a sixth of what a node allocated per legacy message received (perf, issue 14).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> TypeNames = new();

    private static string TypeName(NodeEvent e) =>
        TypeNames.GetOrAdd(e.GetType(), static type => JsonNamingPolicy.SnakeCaseLower.ConvertName(type.Name));
}
