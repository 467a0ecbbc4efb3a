using System.Net;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Node;

/// <summary>
/// A node's settings: immutable, with <see cref="Default"/> as the one place the defaults live (the command line
/// reads them from there). Change one with <c>with</c>: <c>NodeOptions.Default with { Name = "alice" }</c>.
/// The services a node uses (identity, store, logging, clock) are not settings: they go to the <see cref="ChatNode"/> constructor.
/// </summary>
public sealed record NodeOptions
{
    /// <summary>Every setting at its default.</summary>
    public static NodeOptions Default { get; } = new();

    public string Name { get; init; } = "anonymous";

    /// <summary>The port to listen on; 0 lets the system choose (tests).</summary>
    public int Port { get; init; }

    public IPAddress Bind { get; init; } = IPAddress.Any;

    /// <summary>The IP written in outgoing legacy headers; detected when null.</summary>
    public string? AdvertiseIp { get; init; }

    /// <summary>Fail instead of moving to the next free port when <see cref="Port"/> is taken.</summary>
    public bool StrictPort { get; init; }

    public int MaxPortTries { get; init; } = 20;

    // The seed's backlog of 5 overflowed under one fast sender; the kernel caps this at somaxconn anyway.
    public int Backlog { get; init; } = 4096;

    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int MaxLegacyMessageBytes { get; init; } = 64 * 1024;

    /// <summary>The whole of one legacy message must arrive within this, however slowly it trickles in.</summary>
    public TimeSpan LegacyMessageDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Connections one address may have running at once (floods, slowloris); as many more wait unread. High,
    /// because a legacy sender opens one connection per message and a burst of them is legitimate.
    /// </summary>
    public int MaxConnectionsPerIp { get; init; } = 1024;

    /// <summary>Connections the node holds open at once, from everyone; at this cap it stops accepting.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>
    /// With an address's running and waiting connections both full, the listener stops accepting while one of
    /// them ended within this time (a fast sender), and refuses the connection otherwise (stalled ones).
    /// </summary>
    public TimeSpan ConnectionProgressWindow { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan InactivityTimeout { get; init; } = TimeSpan.FromSeconds(600);

    public TimeSpan InactivityCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Kept so that code written before the services moved still builds: pass the identity to the constructor.</summary>
    [Obsolete("pass the identity to the ChatNode constructor")]
    public NodeIdentity? Identity { get; init; }

    /// <summary>Kept so that code written before the services moved still builds: pass the store to the constructor.</summary>
    [Obsolete("pass the store to the ChatNode constructor")]
    public ChatStore? Store { get; init; }

    /// <summary>Most messages one peer may have waiting in the outbox; more are refused.</summary>
    public int MaxOutboxPerPeer { get; init; } = 10_000;

    /// <summary>How long a message may wait in the outbox before it is given up and reported.</summary>
    public TimeSpan MaxMessageAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How many times a message to an old (legacy) peer is retried before it is marked failed.</summary>
    public int LegacyRetries { get; init; } = 5;

    /// <summary>
    /// How long a peer may leave a message written on its live session unacknowledged, while acknowledging nothing
    /// older, before it is written again on that session (then after twice as long, and so on): a message it could not
    /// store, or a group message it could not take yet, does not wait for the next session.
    /// </summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the outbox is checked for messages due for another attempt.</summary>
    public TimeSpan OutboxCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How seldom, at most, the outbox and mailbox loops look at the store while it has nothing for them (their wait
    /// doubles from <see cref="OutboxCheckInterval"/> up to this). Work queued by this process wakes them at once; this
    /// bounds how long a change made by another process (a one-off command on the same data directory) waits.
    /// </summary>
    public TimeSpan IdleCheckInterval { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Neither accept nor send legacy (plaintext) messages.</summary>
    public bool SecureOnly { get; init; }

    public AcceptPolicy Accept { get; init; } = AcceptPolicy.Open;

    /// <summary>Legacy peers have no identity: when not empty, only these IPs may send legacy messages.</summary>
    public IReadOnlyCollection<IPAddress> LegacyAllow { get; init; } = [];

    public IReadOnlyCollection<IPAddress> LegacyDeny { get; init; } = [];

    public int MaxFrameBytes { get; init; } = FrameCodec.DefaultMaxFrameBytes;

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a dialer waits, silent, for a CryptoSphere listener's greeting at an address it knows nothing
    /// of, before taking it for an old peer. Long enough for a loaded node (its greeting leaves after 200 ms),
    /// short enough that the first message to an old peer arrives within a second.
    /// </summary>
    public TimeSpan GreetingWait { get; init; } = TimeSpan.FromMilliseconds(900);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(45);

    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>While a peer is reached through a relay, its direct addresses are tried again after this, then ever less often.</summary>
    public TimeSpan DirectRetryInitialDelay { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan DirectRetryMaxDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>LAN discovery by UDP multicast; off unless enabled (the command line enables it).</summary>
    public DiscoveryOptions Discovery { get; init; } = new();

    /// <summary>Most peers one peer-exchange answer carries.</summary>
    public int MaxExchangedPeers { get; init; } = 64;

    /// <summary>
    /// Where received files go. When null, <c>downloads</c> in the folder of the database file (the data directory),
    /// created owner-only on first use; a node with an in-memory database and no folder declines every file.
    /// </summary>
    public string? DownloadsDirectory { get; init; }

    /// <summary>Largest file this node accepts in one transfer; a bigger offer is declined with the reason.</summary>
    public long MaxTransferBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Accept file offers from trusted peers without asking.</summary>
    public bool AutoAcceptFromTrusted { get; init; }

    /// <summary>Bytes per FILE_CHUNK (at most 64 KiB).</summary>
    public int FileChunkBytes { get; init; } = Secure.Messages.FileChunkMessage.MaxDataBytes;

    /// <summary>
    /// File bytes in flight to one peer (sent, not yet acknowledged), over all transfers to it. A chat
    /// message queued meanwhile waits behind at most this much; at least 512 KiB is used. 2 MiB covers a
    /// LAN's bandwidth-delay product many times over; on loopback 1, 2 and 4 MiB measured alike and 16 MiB slower.
    /// </summary>
    public int FileWindowBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Incoming offers that may wait for an answer at once; more are declined (trusted peers are not held to it).</summary>
    public int MaxPendingOffers { get; init; } = 100;

    /// <summary>Incoming offers from one peer that may wait for an answer at once; more from it are declined.</summary>
    public int MaxPendingOffersPerPeer { get; init; } = 10;

    /// <summary>An offer not answered within this is declined (the sender is told), so old offers never pile up.</summary>
    public TimeSpan PendingOfferLifetime { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Most progress events per second and per transfer.</summary>
    public TimeSpan TransferProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Bytes one peer may have received and not yet stored (decoded text counts twice: UTF-16); reading from it waits beyond.</summary>
    public long MaxUnstoredBytesPerPeer { get; init; } = 8L * 1024 * 1024;

    /// <summary>Bytes all peers together may have received and not yet stored.</summary>
    public long MaxUnstoredBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Messages one peer may have received and not yet stored.</summary>
    public int MaxUnstoredMessagesPerPeer { get; init; } = 1024;

    /// <summary>Acknowledgements one peer may have sent that are not yet applied; reading from it waits beyond.</summary>
    public int MaxPendingAcksPerPeer { get; init; } = 1024;

    /// <summary>Acknowledgements all peers together may have sent that are not yet applied.</summary>
    public int MaxPendingAcks { get; init; } = 65_536;

    /// <summary>Bytes of large frames still arriving, over all connections from one IP address.</summary>
    public long MaxPartialFrameBytesPerAddress { get; init; } = 4L * 1024 * 1024;

    /// <summary>Bytes of large frames still arriving, over all connections.</summary>
    public long MaxPartialFrameBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>A large frame that holds budget must be complete within this, or its connection is closed.</summary>
    public TimeSpan PartialFrameDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Bytes of received text the node keeps from one peer that is not trusted (or one legacy IP); more is refused.</summary>
    public long MaxStoredBytesPerStranger { get; init; } = 256L * 1024 * 1024;

    /// <summary>Bytes of received text the node keeps from one trusted peer; more is refused.</summary>
    public long MaxStoredBytesPerTrustedPeer { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// Messages per second a peer that is not trusted may deliver (chat and group); over it, reading from it waits.
    /// 0: unpaced. Trusted peers are never paced.
    /// </summary>
    public int UntrustedMessagesPerSecond { get; init; } = 200;

    /// <summary>Bytes of text per second a peer that is not trusted may deliver; 0: unpaced.</summary>
    public long UntrustedBytesPerSecond { get; init; } = 1L * 1024 * 1024;

    /// <summary>
    /// Messages per second all peers that are not trusted may deliver together (a stranger can open many
    /// sessions under many IDs, so the per-peer pace alone bounds nothing); 0: no shared bound.
    /// </summary>
    public int UntrustedTotalMessagesPerSecond { get; init; } = 1000;

    /// <summary>Bytes of text per second all peers that are not trusted may deliver together; 0: no shared bound.</summary>
    public long UntrustedTotalBytesPerSecond { get; init; } = 4L * 1024 * 1024;

    /// <summary>
    /// Acknowledgements per second the node applies from one peer that is not trusted (each costs a lookup in the
    /// store, and a flood of them cost a friend 3x its round trip); 0: unpaced. Acks a stranger owes for what this
    /// node sent it are applied later, not lost.
    /// </summary>
    public int UntrustedAcksPerSecond { get; init; } = 2000;

    /// <summary>Acknowledgements per second applied from all peers that are not trusted together; 0: no shared bound.</summary>
    public int UntrustedTotalAcksPerSecond { get; init; } = 10_000;

    /// <summary>Messages one untrusted peer may have waiting as a contact request (<c>--accept trusted</c>); more are refused.</summary>
    public int MaxContactRequestMessagesPerPeer { get; init; } = 100;

    /// <summary>Bytes of text one untrusted peer may have waiting as a contact request; more are refused.</summary>
    public long MaxContactRequestBytesPerPeer { get; init; } = 1024 * 1024;

    /// <summary>Untrusted peers that may have a contact request waiting at once; a new one beyond is refused.</summary>
    public int MaxContactRequests { get; init; } = 1000;

    /// <summary>Candidate dials one untrusted peer can cause per minute by the addresses it sends (group members, peer lists).</summary>
    public int MaxDialsCausedPerPeer { get; init; } = 32;

    /// <summary>Groups one untrusted peer may have this node keep as their admin; a new one beyond is refused.</summary>
    public int MaxGroupsPerUntrustedAdmin { get; init; } = 10;
    /// <summary>Relay and global discovery servers; none unless configured, so by default no server is contacted.</summary>
    public global::CryptoSphere.Core.Relay.AcrossNetworksOptions AcrossNetworks { get; init; } = global::CryptoSphere.Core.Relay.AcrossNetworksOptions.LanOnly;

    /// <summary>Timeouts, keepalive and backoff of the relay connection.</summary>
    public global::CryptoSphere.Core.Relay.RelayClientOptions RelayConnection { get; init; } = new();
}
