using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

/// <summary>
/// What every part of a node shares: its settings, clock, identity, stores, peer table, event bus and
/// background work. Features receive this instead of the node, so none of them can reach another feature
/// through it.
/// </summary>
internal sealed class NodeRuntime(
    NodeOptions options, NodeIdentity identity, ChatStore store, ILoggerFactory loggers, TimeProvider clock, EventBus events)
{
    public NodeOptions Options { get; } = options;

    public NodeIdentity Identity { get; } = identity;

    public ChatStore Store { get; } = WithQuota(store, options);

    /// <summary>The memory budgets for what peers send: unstored messages, pending acks, frames still arriving.</summary>
    public Limits.ReceiveLimits ReceiveLimits { get; } = Limits.NodeLimits.ReceiveLimitsOf(options);

    // What other peers may make this node store is set where the store meets the node's options.
    private static ChatStore WithQuota(ChatStore store, NodeOptions options)
    {
        store.Quota = Limits.NodeLimits.QuotaOf(options);
        return store;
    }

    public TrustStore Trust { get; } = new(store);

    /// <summary>Contact requests (<c>--accept trusted</c>): what untrusted peers wrote, held on disk within bounds.</summary>
    public ContactRequestBook ContactRequests { get; } = new(store, options.MaxContactRequestMessagesPerPeer,
        options.MaxContactRequestBytesPerPeer, options.MaxContactRequests);

    /// <summary>How fast a peer that is not trusted may make this node store and show messages.</summary>
    // One instance for the node (made on first use, once, whatever the threads): its shared buckets bound all strangers together.
    // Read for every message and ACK: the initializer runs (and is allocated) only while the field is still null.
    public Limits.UntrustedPacing Pacing => field ?? LazyInitializer.EnsureInitialized(ref field, () => new(Trust,
        new(Options.UntrustedMessagesPerSecond, Options.UntrustedBytesPerSecond, Options.UntrustedAcksPerSecond),
        new(Options.UntrustedTotalMessagesPerSecond, Options.UntrustedTotalBytesPerSecond, Options.UntrustedTotalAcksPerSecond), Options.MaxFrameBytes));

    public PeerTable Peers { get; } = new();

    /// <summary>Addresses that turned out to be CryptoSphere nodes after they looked like old peers (a late greeting).</summary>
    public CryptoSphereAddresses CryptoSphereAddresses { get; } = new(store);

    public ILoggerFactory Loggers { get; } = loggers;

    public TimeProvider Clock { get; } = clock;

    public EventBus Events { get; } = events;

    public BackgroundWork Work { get; } = new(loggers.CreateLogger<BackgroundWork>());

    /// <summary>The port listened on (or advertised by a send-only node); 0 before start.</summary>
    public int Port { get; set; }

    public string AdvertisedIp { get; set; } = "";

    public DateTimeOffset Now => Clock.GetUtcNow();

    public CancellationToken Stopping => Work.Stopping;

    public ILogger Logger<T>() => Loggers.CreateLogger<T>();

    private ILogger Log => field ??= Loggers.CreateLogger<ChatNode>();

    public void Publish(NodeEvent e) => Events.Publish(e);

    /// <summary>Bytes from the network that were refused: logged and reported; nothing else changes.</summary>
    public void Reject(string remote, string reason)
    {
        NodeLog.InputDropped(Log, remote, reason);
        Publish(new InputRejected(Now, remote, reason));
    }

    /// <summary>A peer refused during or after the handshake (blocked, wrong ID, bad version).</summary>
    public void Refuse(string remote, PeerId? id, string reason, bool closedByPeer = false)
    {
        if (closedByPeer)
            NodeLog.PeerClosedFirst(Log, remote, id?.Short ?? "?", reason);
        else
            NodeLog.PeerRefused(Log, remote, id?.Short ?? "?", reason);
        Publish(new PeerRefused(Now, remote, id, reason) { ClosedByPeer = closedByPeer });
    }
}
