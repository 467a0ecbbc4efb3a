using System.Text.Json.Nodes;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Rendering;

internal static class MessageJson
{
    public static JsonObject ToJson(StoredMessage m) => new()
    {
        ["seq"] = m.Sequence,
        ["id"] = m.Id.ToString(),
        ["conversation"] = m.Conversation,
        ["direction"] = m.Outgoing ? "out" : "in",
        ["peerId"] = m.PeerId,
        ["address"] = m.Address,
        ["name"] = m.Name,
        ["text"] = m.Text,
        ["protocol"] = m.Protocol == Core.Peers.PeerProtocol.Legacy ? "legacy" : "secure",
        ["sentAt"] = m.SentAt.ToString("O"),
        ["storedAt"] = m.StoredAt.ToString("O"),
        ["state"] = MessageText.StateName(m.State),
        ["attempts"] = m.Attempts,
        ["error"] = m.Problem,
        ["refusals"] = m.Refusals,
    };
}
