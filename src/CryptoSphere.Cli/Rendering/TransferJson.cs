using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Cli.Rendering;

/// <summary>
/// A transfer as <c>transfers --json</c> prints it, and back: the running node sends the offers waiting for an answer
/// (which are in its memory, not yet in the database) to the <c>transfers</c> command in this form.
/// </summary>
internal static class TransferJson
{
    public static JsonObject Write(TransferInfo t) => new()
    {
        ["transferId"] = t.Id.ToString(),
        ["direction"] = t.IsOutgoing ? "outgoing" : "incoming",
        ["peerId"] = t.PeerId.ToString(),
        ["peerName"] = t.PeerName,
        ["name"] = t.Name,
        ["path"] = t.Path,
        ["size"] = t.Size,
        ["sha256"] = t.Sha256,
        ["bytes"] = t.Bytes,
        ["state"] = JsonNamingPolicy.CamelCase.ConvertName(t.State.ToString()),
        ["error"] = t.Error,
        ["updated"] = t.Updated.ToString("O"),
    };

    /// <summary>Null when <paramref name="json"/> is not a transfer this program wrote.</summary>
    public static TransferInfo? Read(JsonNode? json)
    {
        try
        {
            if (json is not JsonObject o || !Guid.TryParse((string?)o["transferId"], out var id)
                || !PeerId.TryParse((string?)o["peerId"], out var peer)
                || !Enum.TryParse<TransferState>((string?)o["state"], ignoreCase: true, out var state)
                || !DateTimeOffset.TryParse((string?)o["updated"], out var updated))
                return null;
            return new TransferInfo(id, (string?)o["direction"] == "outgoing" ? TransferDirection.Outgoing : TransferDirection.Incoming, peer,
                (string?)o["peerName"] ?? "", (string?)o["name"] ?? "", (string?)o["path"] ?? "", (long?)o["size"] ?? 0,
                (string?)o["sha256"] ?? "", (long?)o["bytes"] ?? 0, state, updated, updated) { Error = (string?)o["error"] };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
