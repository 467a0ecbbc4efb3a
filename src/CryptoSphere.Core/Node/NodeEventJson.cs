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
        var o = new JsonObject
        {
            ["type"] = TypeName(e),
            ["time"] = e.Time.ToString("O"),
        };
        switch (e)
        {
            case NodeStarted s:
                o["ip"] = s.AdvertisedIp;
                o["port"] = s.Port;
                if (s.RequestedPort is { } asked) o["requestedPort"] = asked;
                break;
            case MessageReceived m:
                o["conversation"] = ConversationId.Of(m.PeerId, m.From).ToString();
                o["from"] = m.From.ToString();
                o["name"] = m.Name;
                o["text"] = m.Text;
                o["protocol"] = Protocol(m.Protocol);
                if (m.PeerId is { } id) o["peerId"] = id.ToString();
                if (m.MessageId is { } messageId) o["messageId"] = messageId.ToString();
                if (m.SentAt is { } sentAt) o["sentAt"] = sentAt.ToString("O");
                if (m.InvalidUtf8) o["invalidUtf8"] = true;
                if (m.ArrivedLate) o["arrivedLate"] = true;
                break;
            case GroupMessageReceived g:
                o["conversation"] = ConversationId.Group(g.GroupId).ToString();
                o["groupId"] = g.GroupId.ToString();
                o["group"] = g.GroupName;
                o["from"] = g.From.ToString();
                o["peerId"] = g.Author.ToString();
                o["name"] = g.Name;
                o["text"] = g.Text;
                o["messageId"] = g.MessageId.ToString();
                o["lamport"] = g.Lamport;
                break;
            case GroupChanged g:
                o["conversation"] = g.Group.Conversation;
                o["groupId"] = g.Group.Id.ToString();
                o["group"] = g.Group.Name;
                o["version"] = g.Group.Version;
                o["member"] = g.Group.IsMember;
                o["members"] = new JsonArray(g.Group.Current.Select(m => (JsonNode)JsonValue.Create(m.Id.ToString())!).ToArray());
                break;
            case NodeFailed f:
                o["reason"] = f.Reason;
                break;
            case MessageFailed f:
                o["to"] = f.To.ToString();
                o["messageId"] = f.MessageId.ToString();
                o["reason"] = f.Reason;
                break;
            case MessageHeldByMailbox h:
                o["conversation"] = Conversations.ConversationId.Peer(h.Recipient).ToString();
                o["peerId"] = h.Recipient.ToString();
                o["messageId"] = h.MessageId.ToString();
                o["mailbox"] = h.Mailbox.ToString();
                break;
            case MessageDelivered d:
                o["conversation"] = ConversationId.Of(d.PeerId, d.To).ToString();
                o["to"] = d.To.ToString();
                o["peerId"] = d.PeerId.ToString();
                o["messageId"] = d.MessageId.ToString();
                break;
            case SecurePeerConnected c:
                o["peer"] = c.Address.ToString();
                o["peerId"] = c.PeerId.ToString();
                o["name"] = c.Name;
                o["trust"] = c.Trust.ToString().ToLowerInvariant();
                o["firstContact"] = c.FirstContact;
                o["reach"] = LocalNetworks.Label(LocalNetworks.ReachOf(c.Address));
                break;
            case SecurePeerDisconnected d:
                o["peer"] = d.Address.ToString();
                o["peerId"] = d.PeerId.ToString();
                o["reason"] = d.Reason;
                break;
            case ContactRequestReceived r:
                o["from"] = r.From.ToString();
                o["peerId"] = r.PeerId.ToString();
                o["name"] = r.Name;
                o["text"] = r.FirstText;
                break;
            case PeerRefused r:
                o["remote"] = r.Remote;
                if (r.PeerId is { } refused) o["peerId"] = refused.ToString();
                o["reason"] = r.Reason;
                break;
            case ConnectionRequestReceived r:
                o["from"] = r.From.ToString();
                o["name"] = r.Name;
                break;
            case PeerAdded a:
                AddPeer(o, a.Peer);
                break;
            case PeerUpdated u:
                AddPeer(o, u.Peer);
                break;
            case PeerRemoved r:
                AddPeer(o, r.Peer);
                o["reason"] = JsonNamingPolicy.CamelCase.ConvertName(r.Reason.ToString());
                break;
            case SendFailed f:
                o["to"] = f.To.ToString();
                o["reason"] = f.Reason;
                break;
            case InputRejected i:
                o["remote"] = i.Remote;
                o["reason"] = i.Reason;
                break;
            case TransferOffered t:
                AddTransfer(o, t.Transfer);
                o["from"] = t.From.ToString();
                break;
            case TransferAccepted t:
                AddTransfer(o, t.Transfer);
                o["resumeOffset"] = t.ResumeOffset;
                break;
            case TransferProgress t:
                AddTransfer(o, t.Transfer);
                o["bytesPerSecond"] = Math.Round(t.BytesPerSecond);
                o["remainingSeconds"] = t.Remaining is { } left ? Math.Round(left.TotalSeconds, 1) : null;
                break;
            case TransferInterrupted t:
                AddTransfer(o, t.Transfer);
                o["reason"] = t.Reason;
                break;
            case TransferCompleted t:
                AddTransfer(o, t.Transfer);
                break;
            case TransferFailed t:
                AddTransfer(o, t.Transfer);
                o["reason"] = t.Reason;
                break;
            case TransferDeclined t:
                AddTransfer(o, t.Transfer);
                o["reason"] = t.Reason;
                break;
            case TransferCancelled t:
                AddTransfer(o, t.Transfer);
                o["reason"] = t.Reason;
                o["byPeer"] = t.ByPeer;
                break;
            case EventsMissed m:
                o["count"] = m.Count;
                break;
        }
        return o.ToJsonString(Options);
    }

    private static void AddPeer(JsonObject o, Peer p)
    {
        o["peer"] = p.Key.ToString();
        o["name"] = p.Name;
        o["protocol"] = Protocol(p.Protocol);
        o["reach"] = LocalNetworks.Label(LocalNetworks.ReachOf(p.Key));
        o["lastSeen"] = p.LastSeen.ToString("O");
        o["messages"] = p.MessageCount;
        if (p.Id is { } id) o["peerId"] = id.ToString();
    }

    private static void AddTransfer(JsonObject o, TransferInfo t)
    {
        o["transferId"] = t.Id.ToString();
        o["direction"] = t.IsOutgoing ? "outgoing" : "incoming";
        o["peerId"] = t.PeerId.ToString();
        o["peerName"] = t.PeerName;
        o["name"] = t.Name;
        o["size"] = t.Size;
        o["sha256"] = t.Sha256;
        o["bytes"] = t.Bytes;
        o["state"] = JsonNamingPolicy.CamelCase.ConvertName(t.State.ToString());
        o["path"] = t.Path;
    }

    private static string Protocol(PeerProtocol p) => p == PeerProtocol.Legacy ? "legacy" : "secure";

    private static string TypeName(NodeEvent e)
    {
        var name = e.GetType().Name;
        return JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
    }
}
