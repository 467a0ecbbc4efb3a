using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Web.Api;

/// <summary>Trust labels for one response: each ID is read from the database once, however many rows name it.</summary>
internal sealed class TrustLabelCache(TrustStore trust)
{
    private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);

    public string Of(PeerId? id) => id is { } known ? Of(known.Value) : TrustLabels.Unencrypted;

    public string Of(string? peerId)
    {
        if (peerId is null || !PeerId.TryParse(peerId, out var id))
            return TrustLabels.Unencrypted;
        if (!_known.TryGetValue(id.Value, out var label))
            _known[id.Value] = label = TrustLabels.Of(trust.StateOf(id));
        return label;
    }
}
