using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Node;

public sealed record SendResult(PeerKey To, bool Success, string? Error)
{
    public static SendResult Ok(PeerKey to) => new(to, true, null);
    public static SendResult Failed(PeerKey to, string error) => new(to, false, error);
}
