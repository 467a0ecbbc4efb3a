using CryptoSphere.Core.Files;

namespace CryptoSphere.Web.Api;

/// <summary>A file transfer as the page shows it. The local path is left out: it is the node's business.</summary>
internal sealed record TransferView(
    string Id, string Direction, string PeerId, string PeerName, string Name, long Size, long Bytes, string State, string? Error)
{
    public static TransferView From(TransferInfo t) =>
        new(t.Id.ToString(), t.IsOutgoing ? "out" : "in", t.PeerId.ToString(), t.PeerName, t.Name, t.Size, t.Bytes,
            t.State.ToString().ToLowerInvariant(), t.Error);
}
