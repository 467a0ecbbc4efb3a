using System.Net;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Node;

public sealed class NodeOptions
{
    public string Name { get; set; } = "anonymous";

    /// <summary>The port to listen on; 0 lets the system choose (tests).</summary>
    public int Port { get; set; }

    public IPAddress Bind { get; set; } = IPAddress.Any;

    /// <summary>The IP written in outgoing legacy headers; detected when null.</summary>
    public string? AdvertiseIp { get; set; }

    /// <summary>Fail instead of moving to the next free port when <see cref="Port"/> is taken.</summary>
    public bool StrictPort { get; set; }

    public int MaxPortTries { get; set; } = 20;

    // The seed's backlog of 5 overflowed under one fast sender; the kernel caps this at somaxconn anyway.
    public int Backlog { get; set; } = 4096;

    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxLegacyMessageBytes { get; set; } = 64 * 1024;

    /// <summary>The whole of one legacy message must arrive within this, however slowly it trickles in.</summary>
    public TimeSpan LegacyMessageDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Connections one address may hold open at once; more are closed on accept (floods, slowloris). High, because
    /// a legacy sender opens one connection per message and a burst of them is legitimate.
    /// </summary>
    public int MaxConnectionsPerIp { get; set; } = 1024;

    /// <summary>Connections the node holds open at once, from everyone.</summary>
    public int MaxConnections { get; set; } = 10_000;

    public TimeSpan InactivityTimeout { get; set; } = TimeSpan.FromSeconds(600);

    public TimeSpan InactivityCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The node's key and certificate; an in-memory one is made when null.</summary>
    public NodeIdentity? Identity { get; set; }

    /// <summary>History, outbox and trust decisions; an in-memory database is used when null.</summary>
    public ChatStore? Store { get; set; }

    /// <summary>Most messages one peer may have waiting in the outbox; more are refused.</summary>
    public int MaxOutboxPerPeer { get; set; } = 10_000;

    /// <summary>How long a message may wait in the outbox before it is given up and reported.</summary>
    public TimeSpan MaxMessageAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many times a message to an old (legacy) peer is retried before it is marked failed.</summary>
    public int LegacyRetries { get; set; } = 5;

    /// <summary>How often the outbox is checked for messages due for another attempt.</summary>
    public TimeSpan OutboxCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Neither accept nor send legacy (plaintext) messages.</summary>
    public bool SecureOnly { get; set; }

    public AcceptPolicy Accept { get; set; } = AcceptPolicy.Open;

    /// <summary>Legacy peers have no identity: when not empty, only these IPs may send legacy messages.</summary>
    public IReadOnlyCollection<IPAddress> LegacyAllow { get; set; } = [];

    public IReadOnlyCollection<IPAddress> LegacyDeny { get; set; } = [];

    public int MaxFrameBytes { get; set; } = FrameCodec.DefaultMaxFrameBytes;

    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(45);

    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>LAN discovery by UDP multicast; off unless enabled (the command line enables it).</summary>
    public DiscoveryOptions Discovery { get; set; } = new();

    /// <summary>Most peers one peer-exchange answer carries.</summary>
    public int MaxExchangedPeers { get; set; } = 64;

    /// <summary>
    /// Where received files go. When null, the folder of the database file (the data directory); a node
    /// with an in-memory database and no folder declines every file.
    /// </summary>
    public string? DownloadsDirectory { get; set; }

    /// <summary>Largest file this node accepts in one transfer; a bigger offer is declined with the reason.</summary>
    public long MaxTransferBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Accept file offers from trusted peers without asking.</summary>
    public bool AutoAcceptFromTrusted { get; set; }

    /// <summary>Bytes per FILE_CHUNK (at most 64 KiB).</summary>
    public int FileChunkBytes { get; set; } = Secure.Messages.FileChunkMessage.MaxDataBytes;

    /// <summary>
    /// File bytes in flight to one peer (sent, not yet acknowledged), over all transfers to it. A chat
    /// message queued meanwhile waits behind at most this much; at least 512 KiB is used. 2 MiB covers a
    /// LAN's bandwidth-delay product many times over; on loopback 1, 2 and 4 MiB measured alike and 16 MiB slower.
    /// </summary>
    public int FileWindowBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Incoming offers that may wait for an answer at once; more are declined.</summary>
    public int MaxPendingOffers { get; set; } = 100;

    /// <summary>Most progress events per second and per transfer.</summary>
    public TimeSpan TransferProgressInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Relay and global discovery servers; none unless configured, so by default no server is contacted.</summary>
    public global::CryptoSphere.Core.Relay.AcrossNetworksOptions AcrossNetworks { get; set; } = global::CryptoSphere.Core.Relay.AcrossNetworksOptions.LanOnly;

    /// <summary>Timeouts, keepalive and backoff of the relay connection.</summary>
    public global::CryptoSphere.Core.Relay.RelayClientOptions RelayConnection { get; set; } = new();
}
