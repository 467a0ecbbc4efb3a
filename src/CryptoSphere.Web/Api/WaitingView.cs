using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Web.Api;

/// <summary>One recipient a message still waits for; <see cref="HeldBy"/> empty: it waits in the outbox only.</summary>
public sealed record WaitingView(PeerNameView Recipient, IReadOnlyList<PeerNameView> HeldBy)
{
    internal static WaitingView From(WaitingCopy copy, TrustStore trust) =>
        new(PeerNameView.Of(copy.Recipient, trust), copy.HeldBy.Select(m => PeerNameView.Of(m, trust)).ToList());
}

/// <summary>A peer as the page names it: its ID, the short form, and the name the user knows it by ("" if none).</summary>
public sealed record PeerNameView(string PeerId, string Short, string Name)
{
    internal static PeerNameView Of(PeerId id, TrustStore trust) => new(id.ToString(), id.Short, trust.Find(id)?.Name ?? "");
}
