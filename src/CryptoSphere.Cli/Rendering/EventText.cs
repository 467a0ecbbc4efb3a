using CryptoSphere.Core.Files;
using Groups = CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Rendering;

/// <summary>One human-readable line per node event, shared by the menu and <c>listen</c>.</summary>
internal static class EventText
{
    /// <summary>
    /// The line for an event, safe for a terminal: names are escaped where they are put in, and the whole line
    /// once more, so that no text from a peer (a name, a reason, an address from a header) reaches it raw.
    /// </summary>
    public static string? Describe(NodeEvent e, TrustStore? trust = null) =>
        Compose(e, trust) is { } line ? TerminalText.Lines(line) : null;

    private static string Safe(string? text) => TerminalText.Safe(text);

    /// <summary>
    /// Where a node listens, as "Listening on …" says it: the bound address, and the advertised one when it differs
    /// ("127.0.0.1:43001 (advertising 192.0.2.2)"). A node bound to all addresses listens on the advertised one too,
    /// so that one alone is named, as before.
    /// </summary>
    public static string ListeningOn(string? bind, string advertised, int port) =>
        bind is null || bind == advertised || System.Net.IPAddress.TryParse(bind, out var b) && (b.Equals(System.Net.IPAddress.Any) || b.Equals(System.Net.IPAddress.IPv6Any))
            ? new PeerKey(advertised, port).ToString()
            : $"{new PeerKey(bind, port)} (advertising {advertised})";

    private static string? Compose(NodeEvent e, TrustStore? trust) => e switch
    {
        NodeStarted s when s.RequestedPort is { } asked =>
            $"Port {asked} is in use; listening on {ListeningOn(s.Bind, s.AdvertisedIp, s.Port)} instead",
        NodeStarted s => $"Listening on {ListeningOn(s.Bind, s.AdvertisedIp, s.Port)}",
        NodeStopped => "Stopped; peers were told goodbye",
        // The command that ran the node prints the reason as its error when it exits: one line, not two.
        NodeFailed => null,
        // An old peer's line starts with its label, before any text that peer chose: its name cannot pass for a secure peer's line.
        MessageReceived { Protocol: PeerProtocol.Legacy } m =>
            $"[{m.Time.ToLocalTime():HH:mm:ss}] [{Security(null, trust)}{Notes(m)}] {LegacyWho(m.Name, m.From)}: {m.Text}",
        MessageReceived m => $"[{m.Time.ToLocalTime():HH:mm:ss}] {Safe(m.Name)} ({Safe(m.From.ToString())}) [{Security(m.PeerId, trust)}{Notes(m)}]: {m.Text}",
        GroupMessageReceived g => $"[{g.Time.ToLocalTime():HH:mm:ss}] #{Safe(g.GroupName)} {Safe(g.Name)} [{Security(g.Author, trust)}]: {g.Text}",
        GroupChanged g => g.Group.IsMember
            ? $"Group {Safe(g.Group.Name)} is at version {g.Group.Version}: {Safe(string.Join(", ", Groups.MemberNames.List(g.Group, null, trust)))}"
            : $"You are no longer in group {Safe(g.Group.Name)}",
        MessageDelivered d => $"Delivered to {Safe(d.To.ToString())} ({d.PeerId.Short})",
        MessageHeldByMailbox h => $"Held by mailbox {h.Mailbox.Short} for {h.Recipient.Short} (offline); still in the outbox",
        MessageFailed f => $"Gave up on a message to {Safe(f.To.ToString())}: {Safe(f.Reason)}",
        ConnectionRequestReceived r => $"Connection request [{TrustLabels.UnencryptedUnverified}] from {LegacyWho(r.Name, r.From)}",
        SecurePeerConnected { LookalikeOf: { } real } c =>
            $"WARNING: a NEW key ({c.PeerId}) calls itself {Safe(c.Name)} at {Safe(c.Address.ToString())}, like your trusted peer {real.Short} - " +
            "it is not that peer's key. Do not trust it unless its owner confirms a new key out of band",
        // Peers learned second-hand (peer exchange) are listed (menu 2, peers), not announced a line each;
        // a peer that announced itself on the LAN is news, and keeps its line.
        PeerAdded { Peer.Source: PeerSource.Exchanged } => null,
        SecurePeerConnected { Source: PeerSource.Exchanged } => null,
        SecurePeerConnected c => $"Secure connection with {Safe(c.Name)} ({Safe(c.Address.ToString())}), ID {c.PeerId}" +
                                 (c.FirstContact ? " - first contact: compare this ID with them before trusting it" : $" [{Label(c.Trust)}]"),
        SecurePeerDisconnected d => $"Secure connection with {d.Address} ({d.PeerId.Short}) closed: {Safe(d.Reason)}",
        ContactRequestReceived r => $"Contact request from {Safe(r.Name)} ({Safe(r.From.ToString())}), ID {r.PeerId}: \"{r.FirstText}\" - accept or reject it under contacts",
        PeerRefused r => $"{(r.ClosedByPeer ? "No session with" : "Refused")} {Safe(r.Remote)}{(r.PeerId is { } id ? $" ({id.Short})" : "")}: {Safe(r.Reason)}",
        PeerAdded { Peer.Protocol: PeerProtocol.Legacy } a => $"New peer [{TrustLabels.UnencryptedUnverified}] {LegacyWho(a.Peer.Name, a.Peer.Key)}",
        PeerAdded a => $"New peer {Safe(a.Peer.Name)} ({Safe(a.Peer.Key.ToString())})",
        PeerRemoved { Peer.Protocol: PeerProtocol.Legacy } r => $"Peer {LegacyWho(r.Peer.Name, r.Peer.Key)} removed: {Reason(r.Reason)}",
        PeerRemoved r => $"Peer {Safe(r.Peer.Name)} ({Safe(r.Peer.Key.ToString())}) removed: {Reason(r.Reason)}",
        // A queued message is not lost: said so, or a user sends it again and the old peer shows it twice.
        SendFailed { Queued: true } f => $"Not sent to {Safe(f.To.ToString())} yet: {Safe(f.Reason)}; it stays queued and is tried again",
        SendFailed f => $"Could not send to {Safe(f.To.ToString())}: {Safe(f.Reason)}",
        InputRejected i => $"Dropped input from {Safe(i.Remote)}: {Safe(i.Reason)}",
        TransferOffered o => $"{Safe(o.Transfer.PeerName)} ({Safe(o.From.ToString())}) [{Security(o.Transfer.PeerId, trust)}] offers {TransferText.File(o.Transfer)} " +
                             "- accept or decline it (menu option 10)",
        TransferAccepted { ResumeOffset: > 0 } a => $"{TransferText.Label(a.Transfer)}: resuming at {Sizes.Describe(a.ResumeOffset)} of {Sizes.Describe(a.Transfer.Size)}",
        TransferAccepted a => $"{TransferText.Label(a.Transfer)}: accepted, {Sizes.Describe(a.Transfer.Size)} to go",
        TransferProgress p => $"{TransferText.Label(p.Transfer)}: {TransferText.Progress(p.Transfer, p.BytesPerSecond, p.Remaining)}",
        TransferInterrupted i => $"{TransferText.Label(i.Transfer)}: interrupted at {TransferText.Percent(i.Transfer)} - {Safe(i.Reason)}",
        TransferCompleted { Transfer.IsOutgoing: true } c => $"Sent {Safe(c.Transfer.Name)} to {TransferText.Who(c.Transfer)}: the receiver verified its SHA-256",
        TransferCompleted c => $"Received {Safe(c.Transfer.Name)} from {TransferText.Who(c.Transfer)}: SHA-256 verified, saved as {Safe(c.Transfer.Path)}",
        TransferFailed f => $"{TransferText.Label(f.Transfer)} failed: {Safe(f.Reason)}",
        TransferDeclined { Transfer.IsOutgoing: true } d => $"Offer of {Safe(d.Transfer.Name)} to {TransferText.Who(d.Transfer)} declined: {Safe(d.Reason)}",
        TransferDeclined d => $"Offer of {Safe(d.Transfer.Name)} from {TransferText.Who(d.Transfer)} declined: {Safe(d.Reason)}",
        TransferCancelled c => $"{TransferText.Label(c.Transfer)}: cancelled ({Safe(c.Reason)})",
        EventsMissed m => $"{m.Count} events were not shown: the node's event queue was full",
        _ => null,
    };

    private static string Notes(MessageReceived m) =>
        (m.InvalidUtf8 ? ", invalid UTF-8 shown as \uFFFD" : "") + (m.ArrivedLate ? ", arrived late: sent before messages already shown" : "");

    /// <summary>
    /// An old peer's name and address: the name tidied again (<see cref="LegacyNames.Tidy"/>, as on arrival) so that even
    /// a name stored before that rule is short and has no padding, then shown safely.
    /// </summary>
    public static string LegacyWho(string? name, object address) =>
        LegacyNames.Tidy(name) is { Length: > 0 } tidy ? $"{Safe(tidy)} ({Safe(address.ToString())})" : $"({Safe(address.ToString())})";

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
