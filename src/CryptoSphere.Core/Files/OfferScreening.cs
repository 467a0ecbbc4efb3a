using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Core.Files;

/// <summary>
/// The checks an offer passes before the user is asked: size, a downloads folder, the accept policy and the
/// pending-offer caps. A refused offer is declined at once, so a stranger cannot queue questions for the user.
/// </summary>
internal static class OfferScreening
{
    /// <summary>Why an offer is refused before the user sees it, or null.</summary>
    public static (DeclineReason Reason, string Text)? Refusal(FileOfferMessage offer, PeerId peer, NodeRuntime node, FileContext files)
    {
        if (offer.Size > node.Options.MaxTransferBytes)
            return (DeclineReason.TooLarge,
                $"the file is {Sizes.Describe(offer.Size)} ({offer.Size:N0} bytes), over the receiver's limit of {Sizes.Describe(node.Options.MaxTransferBytes)} per transfer");
        if (files.DownloadsFolder is null)
            return (DeclineReason.Unavailable, "the receiver has no downloads folder");
        if (node.Options.Accept == AcceptPolicy.Trusted && node.Trust.StateOf(peer) != TrustState.Trusted)
            return (DeclineReason.Unavailable, "the receiver only accepts files from peers it trusts");
        if (OfferLimits.Refusal(files.Incoming.Values, peer, node.Trust.StateOf(peer) == TrustState.Trusted,
                node.Options.MaxPendingOffersPerPeer, node.Options.MaxPendingOffers) is { } tooMany)
            return (DeclineReason.Unavailable, tooMany);
        return null;
    }
}
