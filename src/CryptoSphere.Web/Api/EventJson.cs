using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Web.Api;

/// <summary>
/// One JSON object per node event, for the page's live feed. Runs on the node's own threads, so it only
/// reads the event (no database); the page fetches whatever else it needs.
/// </summary>
internal static class EventJson
{
    public static string Serialize(NodeEvent e)
    {
        var o = new JsonObject
        {
            ["type"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(e.GetType().Name),
            ["time"] = e.Time.ToString("O"),
        };
        switch (e)
        {
            case MessageReceived m:
                o["conversation"] = StoredMessage.ConversationOf(m.PeerId, m.From);
                o["from"] = m.From.ToString();
                o["name"] = m.Name;
                o["text"] = m.Text;
                o["protocol"] = Labels.Protocol(m.Protocol);
                o["peerId"] = m.PeerId?.ToString();
                o["messageId"] = m.MessageId?.ToString();
                break;
            case GroupMessageReceived g:
                o["conversation"] = StoredMessage.GroupPrefix + g.GroupId;
                o["group"] = g.GroupName;
                o["from"] = g.From.ToString();
                o["name"] = g.Name;
                o["text"] = g.Text;
                o["peerId"] = g.Author.ToString();
                o["messageId"] = g.MessageId.ToString();
                break;
            case MessageDelivered d:
                o["conversation"] = StoredMessage.ConversationOf(d.PeerId, d.To);
                o["to"] = d.To.ToString();
                o["peerId"] = d.PeerId.ToString();
                o["messageId"] = d.MessageId.ToString();
                break;
            case MessageFailed f:
                o["to"] = f.To.ToString();
                o["messageId"] = f.MessageId.ToString();
                o["reason"] = f.Reason;
                break;
            case SendFailed f:
                o["to"] = f.To.ToString();
                o["reason"] = f.Reason;
                break;
            case SecurePeerConnected c:
                o["peer"] = c.Address.ToString();
                o["peerId"] = c.PeerId.ToString();
                o["name"] = c.Name;
                o["trust"] = Labels.Trust(c.Trust);
                o["firstContact"] = c.FirstContact;
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
            case PeerRefused r:
                o["remote"] = r.Remote;
                o["peerId"] = r.PeerId?.ToString();
                o["reason"] = r.Reason;
                break;
            case GroupChanged g:
                o["conversation"] = g.Group.Conversation;
                o["group"] = g.Group.Name;
                o["version"] = g.Group.Version;
                o["member"] = g.Group.IsMember;
                break;
            case InputRejected i:
                o["remote"] = i.Remote;
                o["reason"] = i.Reason;
                break;
            case TransferProgress p:
                AddTransfer(o, p.Transfer);
                o["bytesPerSecond"] = p.BytesPerSecond;
                o["secondsLeft"] = p.Remaining?.TotalSeconds;
                break;
            case TransferOffered t: AddTransfer(o, t.Transfer); break;
            case TransferAccepted t: AddTransfer(o, t.Transfer); break;
            case TransferCompleted t: AddTransfer(o, t.Transfer); break;
            case TransferInterrupted t: AddTransfer(o, t.Transfer); o["reason"] = t.Reason; break;
            case TransferFailed t: AddTransfer(o, t.Transfer); o["reason"] = t.Reason; break;
            case TransferDeclined t: AddTransfer(o, t.Transfer); o["reason"] = t.Reason; break;
            case TransferCancelled t: AddTransfer(o, t.Transfer); o["reason"] = t.Reason; break;
        }
        return o.ToJsonString();
    }

    private static void AddTransfer(JsonObject o, Core.Files.TransferInfo t)
    {
        var view = TransferView.From(t);
        o["transfer"] = new JsonObject
        {
            ["id"] = view.Id, ["direction"] = view.Direction, ["peerId"] = view.PeerId, ["peerName"] = view.PeerName,
            ["name"] = view.Name, ["size"] = view.Size, ["bytes"] = view.Bytes, ["state"] = view.State, ["error"] = view.Error,
        };
    }

    private static void AddPeer(JsonObject o, Peer p)
    {
        o["peer"] = p.Key.ToString();
        o["name"] = p.Name;
        o["protocol"] = Labels.Protocol(p.Protocol);
        o["peerId"] = p.Id?.ToString();
        o["lastSeen"] = p.LastSeen.ToString("O");
    }
}
