using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Files;

/// <summary>
/// How many file offers may wait for the user: a few per peer, so one peer's pile never blocks another's file,
/// and a node-wide cap that trusted peers are not held to. Offers nobody answered expire.
/// </summary>
internal static class OfferLimits
{
    /// <summary>Why a new offer from <paramref name="peer"/> is refused, or null.</summary>
    public static string? Refusal(IEnumerable<IncomingTransfer> incoming, PeerId peer, bool trusted, int perPeer, int perNode)
    {
        var waiting = incoming.Where(t => t.State == TransferState.Offered).ToList();
        var fromPeer = waiting.Count(t => t.PeerId == peer);
        if (fromPeer >= perPeer)
            return $"the receiver has {fromPeer} offers from you waiting for an answer already (at most {perPeer})";
        if (!trusted && waiting.Count >= perNode)
            return $"the receiver has {waiting.Count} offers waiting for an answer already";
        return null;
    }

    /// <summary>Offers that waited longer than <paramref name="lifetime"/> without an answer.</summary>
    public static IReadOnlyList<Guid> Expired(IEnumerable<IncomingTransfer> incoming, DateTimeOffset now, TimeSpan lifetime) =>
        incoming.Where(t => t.State == TransferState.Offered && now - t.Created > lifetime).Select(t => t.Id).ToList();

    public static string Describe(TimeSpan lifetime) =>
        lifetime >= TimeSpan.FromDays(1) ? $"{lifetime.TotalDays:0.#} days"
        : lifetime >= TimeSpan.FromHours(1) ? $"{lifetime.TotalHours:0.#} hours"
        : $"{lifetime.TotalSeconds:0.#} s";
}
