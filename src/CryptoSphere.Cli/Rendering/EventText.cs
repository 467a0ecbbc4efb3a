using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Rendering;

/// <summary>One human-readable line per node event, shared by the menu and <c>listen</c>.</summary>
internal static class EventText
{
    public static string? Describe(NodeEvent e, TrustStore? trust = null) => e switch
    {
        NodeStarted s when s.RequestedPort is { } asked =>
            $"Port {asked} is in use; listening on {s.AdvertisedIp}:{s.Port} instead",
        NodeStarted s => $"Listening on {s.AdvertisedIp}:{s.Port}",
        NodeStopped => "Stopped; peers were told goodbye",
        MessageReceived m => $"[{m.Time.ToLocalTime():HH:mm:ss}] {m.Name} ({m.From}) [{Security(m.PeerId, trust)}{(m.InvalidUtf8 ? ", invalid UTF-8 shown as \uFFFD" : "")}]: {m.Text}",
        GroupMessageReceived g => $"[{g.Time.ToLocalTime():HH:mm:ss}] #{g.GroupName} {g.Name} ({g.Author.Short}): {g.Text}",
        GroupChanged g => g.Group.IsMember
            ? $"Group {g.Group.Name} is at version {g.Group.Version}: {string.Join(", ", g.Group.Current.Select(m => m.Id.Short))}"
            : $"You are no longer in group {g.Group.Name}",
        MessageDelivered d => $"Delivered to {d.To} ({d.PeerId.Short})",
        MessageHeldByMailbox h => $"Held by mailbox {h.Mailbox.Short} for {h.Recipient.Short} (offline); still in the outbox",
        MessageFailed f => $"Gave up on a message to {f.To}: {f.Reason}",
        ConnectionRequestReceived r => $"Connection request from {r.Name} ({r.From})",
        SecurePeerConnected c => $"Secure connection with {c.Name} ({c.Address}), ID {c.PeerId}" +
                                 (c.FirstContact ? " - first contact: compare this ID with them before trusting it" : $" [{Label(c.Trust)}]"),
        SecurePeerDisconnected d => $"Secure connection with {d.Address} ({d.PeerId.Short}) closed: {d.Reason}",
        ContactRequestReceived r => $"Contact request from {r.Name} ({r.From}), ID {r.PeerId}: \"{r.FirstText}\" - accept or reject it under contacts",
        PeerRefused r => $"Refused {r.Remote}{(r.PeerId is { } id ? $" ({id.Short})" : "")}: {r.Reason}",
        PeerAdded a => $"New peer {a.Peer.Name} ({a.Peer.Key})",
        PeerRemoved r => $"Peer {r.Peer.Name} ({r.Peer.Key}) removed: {Reason(r.Reason)}",
        SendFailed f => $"Could not send to {f.To}: {f.Reason}",
        InputRejected i => $"Dropped input from {i.Remote}: {i.Reason}",
        TransferOffered o => $"{o.Transfer.PeerName} ({o.From}) [{Security(o.Transfer.PeerId, trust)}] offers {TransferText.File(o.Transfer)} " +
                             "- accept or decline it (menu option 10)",
        TransferAccepted { ResumeOffset: > 0 } a => $"{TransferText.Label(a.Transfer)}: resuming at {Sizes.Describe(a.ResumeOffset)} of {Sizes.Describe(a.Transfer.Size)}",
        TransferAccepted a => $"{TransferText.Label(a.Transfer)}: accepted, {Sizes.Describe(a.Transfer.Size)} to go",
        TransferProgress p => $"{TransferText.Label(p.Transfer)}: {TransferText.Progress(p.Transfer, p.BytesPerSecond, p.Remaining)}",
        TransferInterrupted i => $"{TransferText.Label(i.Transfer)}: interrupted at {TransferText.Percent(i.Transfer)} - {i.Reason}",
        TransferCompleted { Transfer.IsOutgoing: true } c => $"Sent {c.Transfer.Name} to {TransferText.Who(c.Transfer)}: the receiver verified its SHA-256",
        TransferCompleted c => $"Received {c.Transfer.Name} from {TransferText.Who(c.Transfer)}: SHA-256 verified, saved as {c.Transfer.Path}",
        TransferFailed f => $"{TransferText.Label(f.Transfer)} failed: {f.Reason}",
        TransferDeclined { Transfer.IsOutgoing: true } d => $"Offer of {d.Transfer.Name} to {TransferText.Who(d.Transfer)} declined: {d.Reason}",
        TransferDeclined d => $"Offer of {d.Transfer.Name} from {TransferText.Who(d.Transfer)} declined: {d.Reason}",
        TransferCancelled c => $"{TransferText.Label(c.Transfer)}: cancelled ({c.Reason})",
        _ => null,
    };

    /// <summary>"unencrypted, unverified" for legacy; the short ID and whether the user verified it for secure.</summary>
    public static string Security(PeerId? id, TrustStore? trust) => TrustLabels.Security(id, trust);

    public static string Label(TrustState state) => TrustLabels.Of(state);

    public static string Reason(PeerRemovalReason reason) => reason switch
    {
        PeerRemovalReason.Disconnected => "it disconnected",
        PeerRemovalReason.Inactive => "silent too long",
        PeerRemovalReason.Unreachable => "unreachable",
        PeerRemovalReason.RemovedByUser => "removed by you",
        _ => reason.ToString(),
    };

    public static string Ago(DateTimeOffset then, DateTimeOffset now)
    {
        var span = now - then;
        if (span < TimeSpan.FromSeconds(1)) return "just now";
        if (span < TimeSpan.FromMinutes(1)) return $"{(int)span.TotalSeconds} s ago";
        if (span < TimeSpan.FromHours(1)) return $"{(int)span.TotalMinutes} min ago";
        return $"{(int)span.TotalHours} h ago";
    }
}
