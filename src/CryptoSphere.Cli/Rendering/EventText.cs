using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Cli.Rendering;

/// <summary>One human-readable line per node event, shared by the menu and <c>listen</c>.</summary>
internal static class EventText
{
    public static string? Describe(NodeEvent e) => e switch
    {
        NodeStarted s when s.RequestedPort is { } asked =>
            $"Port {asked} is in use; listening on {s.AdvertisedIp}:{s.Port} instead",
        NodeStarted s => $"Listening on {s.AdvertisedIp}:{s.Port}",
        NodeStopped => "Stopped; peers were told goodbye",
        MessageReceived m => $"[{m.Time.ToLocalTime():HH:mm:ss}] {m.Name} ({m.From}){Unverified(m.Protocol)}: {m.Text}",
        ConnectionRequestReceived r => $"Connection request from {r.Name} ({r.From})",
        PeerAdded a => $"New peer {a.Peer.Name} ({a.Peer.Key})",
        PeerRemoved r => $"Peer {r.Peer.Name} ({r.Peer.Key}) removed: {Reason(r.Reason)}",
        SendFailed f => $"Could not send to {f.To}: {f.Reason}",
        InputRejected i => $"Dropped input from {i.Remote}: {i.Reason}",
        _ => null,
    };

    private static string Unverified(PeerProtocol protocol) =>
        protocol == PeerProtocol.Legacy ? " [unencrypted, unverified]" : "";

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
