using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Messaging;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.Node;

/// <summary>
/// One CryptoSphere node: the composition root of the listener, the session registry and the features
/// (docs/ARCHITECTURE.md). Its methods delegate; what happens is published through <see cref="EventRaised"/>,
/// and every call returns after the events it raised reached the subscribers. It never touches the console.
/// </summary>
public sealed class ChatNode : IAsyncDisposable
{
    /// <summary>Receivers acknowledge at least this often (and at the end) in a file transfer.</summary>
    internal const int FileAckIntervalBytes = FileReceiver.AckIntervalBytes;

    private readonly NodeRuntime _node;
    private readonly EventBus _events;
    private readonly ILogger _log;
    private readonly Listener _listener;
    private readonly SessionRegistry _sessions;
    private readonly PeerTableRecorder _peerTable;
    private readonly LegacyOutbound _legacy;
    private readonly Outbox _outbox;
    private readonly ChatSender _chat;
    private readonly ChatInbox _inbox;
    private readonly PeerActions _peerActions;
    private readonly CandidateDialer _dialer;
    private readonly GroupService _groups;
    private readonly FileTransfers _files;
    private readonly RelayReach _relay;
    private readonly MailboxFeature _mailbox;
    private readonly bool _ownsIdentity;
    private readonly bool _ownsStore;
    private readonly Lock _stopGate = new();
    private Task? _stop;
    private int _state; // 0 new, 1 listening, 2 send-only, 3 stopped

    /// <summary>A node with an in-memory identity and database (unless the obsolete options carry them).</summary>
    public ChatNode(NodeOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? clock = null)
#pragma warning disable CS0618 // the options' services, for code written before they moved to the constructor
        : this(options, options.Identity, options.Store, loggerFactory, clock)
#pragma warning restore CS0618
    {
    }

    /// <summary>
    /// A node with its services: <paramref name="identity"/> (its key; an in-memory one when null) and
    /// <paramref name="store"/> (history, outbox, trust; an in-memory database when null). What it makes itself, it disposes.
    /// </summary>
    public ChatNode(NodeOptions options, NodeIdentity? identity, ChatStore? store, ILoggerFactory? loggerFactory = null, TimeProvider? clock = null)
    {
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        clock ??= TimeProvider.System;
        _ownsIdentity = identity is null;
        _ownsStore = store is null;
        _log = loggers.CreateLogger<ChatNode>();
        _events = new EventBus(_log, clock);
        _node = new NodeRuntime(options, identity ?? NodeIdentity.CreateEphemeral(), store ?? ChatStore.OpenInMemory(), loggers, clock, _events);

        // Features are built in dependency order; each registers its frame types and its session hooks.
        var router = new FrameRouter();
        _sessions = new SessionRegistry(_node, router);
        _relay = new RelayReach(_node, _sessions);
        var dial = new SessionDialer(_node, _sessions, _relay); // lives as long as the registry's Closed handler
        _ = new DirectUpgrade(_node, _sessions, dial, _relay); // lives as long as the registry's Opened handler
        _peerTable = new PeerTableRecorder(_node);
        _legacy = new LegacyOutbound(_node);
        var legacyEndpoint = new LegacyEndpoint(_node);
        _listener = new Listener(_node, _sessions.AcceptAsync, legacyEndpoint.HandleAsync, legacyEndpoint.TryHandleArrived,
            legacyEndpoint.HandleAfterGreetingAsync);
        _files = new FileTransfers(_node, _sessions, dial, router);
        _outbox = new Outbox(_node, _sessions, dial, _legacy, router);
        _chat = new ChatSender(_node, _sessions, dial, _outbox);
        _inbox = new ChatInbox(_node, _sessions, router);
        _peerActions = new PeerActions(_node, _sessions, dial, _legacy, _chat);
        _dialer = new CandidateDialer(_node, _sessions, dial);
        _ = new PeerExchange(_node, _sessions, _dialer, router);
        _groups = new GroupService(_node, _sessions, _outbox, _dialer, router);
        _mailbox = new MailboxFeature(_node, _sessions, dial, _outbox, _groups, router);
        _node.Store.Damaged += OnStoreDamaged;
    }

    // Every later read or write would fail the same way, once a second in the outbox alone: stop, and say why once.
    private void OnStoreDamaged(StorageException damage)
    {
        if (Volatile.Read(ref _state) is not (1 or 2))
            return;
        NodeLog.Failed(_log, damage.Message);
        _node.Publish(new NodeFailed(_node.Now, damage.Message));
        // Not tracked as background work: the stop waits for that work. The owner awaits this same task in StopAsync.
        _ = StopAsync();
    }

    public event Action<NodeEvent>? EventRaised
    {
        add => _events.Subscribers += value;
        remove => _events.Subscribers -= value;
    }

    /// <summary>
    /// Raised after <see cref="EventRaised"/> has been called for every event published so far (on the same task, never
    /// between two subscribers' calls): a subscriber that buffers what it writes flushes here, once per burst of events.
    /// </summary>
    public event Action? EventsDelivered
    {
        add => _events.Drained += value;
        remove => _events.Drained -= value;
    }

    /// <summary>The memory budgets for what peers send (their use is what tests and benchmarks watch).</summary>
    internal Limits.ReceiveLimits ReceiveLimits => _node.ReceiveLimits;

    /// <summary>LAN discovery while it runs (its counters show what was dropped and why).</summary>
    internal LanDiscovery? Discovery => _dialer.Discovery;

    /// <summary>Candidate dials started, and those refused because the peer that named them spent its dial budget.</summary>
    internal long CandidateDials => _dialer.Dials;

    internal long CandidateDialsRefused => _dialer.DialsRefused;

    /// <summary>The outbox, for tests that drive a flush at an exact moment.</summary>
    internal Outbox OutboxForTests => _outbox;

    /// <summary>One plaintext (legacy) chat attempt, bypassing the choice of protocol: for tests of the last guard only.</summary>
    internal Task<SendResult> SendLegacyForTestsAsync(PeerKey to, string text) => _legacy.SendAsync(to, _legacy.Chat(text), CancellationToken.None);

    public PeerTable Peers => _node.Peers;

    public string Name => _node.Options.Name;

    /// <summary>The settings the node runs with (read-only: a record).</summary>
    public NodeOptions Options => _node.Options;

    /// <summary>The port actually listened on (may differ from the asked one); 0 before start.</summary>
    public int Port => _node.Port;

    public string AdvertisedIp => _node.AdvertisedIp;

    /// <summary>
    /// Whether <paramref name="to"/> reaches this node itself (<see cref="OwnAddress"/>): where it listens, or, sending
    /// only, where its listening node answers (the advertised port, on any of this host's addresses).
    /// </summary>
    public bool IsOwnAddress(PeerKey to) => Volatile.Read(ref _state) is var state and (1 or 2) &&
        OwnAddress.Matches(to, state == 1 ? _node.Options.Bind : System.Net.IPAddress.Any, _node.Port, _node.AdvertisedIp);

    public NodeIdentity Identity => _node.Identity;

    public TrustStore Trust => _node.Trust;

    /// <summary>Mailboxes: whom this node holds sealed mail for, which mailboxes it uses, what it left where (mailbox.db).</summary>
    public MailboxStore Mailboxes => _mailbox.Store;

    /// <summary>Every message in the outbox, with the recipients it waits for and the mailboxes holding a sealed copy.</summary>
    public IReadOnlyDictionary<Guid, IReadOnlyList<WaitingCopy>> Waiting() => WaitingMessages.Of(Store, Mailboxes);

    /// <summary>This node's agreement key record, for a contact card (peers also get it when they connect).</summary>
    public AgreementKeyRecord AgreementKey => _mailbox.Key.Record;

    /// <summary>History, outbox and contacts.</summary>
    public ChatStore Store => _node.Store;

    /// <summary>Peer IDs with a live secure connection right now.</summary>
    public IReadOnlyCollection<PeerId> ConnectedPeerIds => _sessions.ConnectedPeerIds;

    /// <summary>Our certificate's Syncthing device ID: what relays and discovery servers know this node by.</summary>
    public SyncthingDeviceId DeviceId => SyncthingDeviceId.FromCertificate(_node.Identity.Certificate);

    /// <summary>The relay connection when a relay is configured (state, joins); null otherwise.</summary>
    public Relay.RelayClient? RelayClient => _relay.Client;

    /// <summary>Connections closed unread since start: an address over its cap with as many more waiting.</summary>
    public long RefusedConnections => _listener.RefusedConnections;

    /// <summary>The link someone on another network adds to reach this node: its IDs, listening address and relay.</summary>
    public InviteLink Invite => new(_node.Identity.Id, DeviceId, Name, [new PeerKey(AdvertisedIp, Port)],
        _node.Options.AcrossNetworks.Relay);

    public Task StartAsync() => _events.Settle(() =>
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            throw new InvalidOperationException("the node is already started");
        var options = _node.Options;
        try
        {
            _node.Port = _listener.Start();
        }
        catch
        {
            _state = 0;
            throw;
        }
        _node.AdvertisedIp = options.AdvertiseIp ?? LocalAddress.For(options.Bind);
        int? requested = options.Port != 0 && options.Port != _node.Port ? options.Port : null;
        if (requested is not null)
            NodeLog.PortMoved(_log, requested.Value, _node.Port);
        NodeLog.Listening(_log, options.Bind, _node.Port, _node.AdvertisedIp);
        _peerTable.StartInactivityMonitor();
        _outbox.Start();
        _dialer.StartDiscovery();
        _files.Start();
        _relay.Start();
        _mailbox.Start();
        _node.Publish(new NodeStarted(_node.Now, _node.AdvertisedIp, _node.Port, requested, PeerKey.HostOf(options.Bind)));
        return Task.CompletedTask;
    });

    /// <summary>
    /// Prepares the node to send without listening (one-off sends from the command line);
    /// <paramref name="advertisedPort"/> is where the user's real node answers.
    /// </summary>
    public void StartSendOnly(int advertisedPort)
    {
        _node.Port = advertisedPort;
        _node.AdvertisedIp = _node.Options.AdvertiseIp ?? LocalAddress.Detect();
        Interlocked.CompareExchange(ref _state, 2, 0);
    }

    public Task<SendResult> SendAsync(PeerKey to, string text, CancellationToken cancellationToken = default) =>
        _events.Settle((_chat, to, text, cancellationToken), static s => s._chat.SendAsync(s.to, s.text, s.cancellationToken));

    public Task<SendResult> SendAsync(PeerId to, string text, CancellationToken cancellationToken = default) =>
        _events.Settle((_chat, to, text, cancellationToken), static s => s._chat.SendAsync(s.to, s.text, s.cancellationToken));

    public Task<SendResult[]> BroadcastAsync(string text, CancellationToken cancellationToken = default) =>
        _events.Settle(() => _peerActions.BroadcastAsync(text, cancellationToken));

    /// <summary>Menu option 3: a CONNECTION_REQUEST to every legacy peer, a secure connection to every secure one.</summary>
    public Task<SendResult[]> RequestConnectionsAsync(CancellationToken cancellationToken = default) =>
        _events.Settle(() => _peerActions.RequestConnectionsAsync(cancellationToken));

    /// <summary>Sends DISCONNECT to the peer and removes it from the table, even when it cannot be reached.</summary>
    public Task<SendResult> RemovePeerAsync(PeerKey key, CancellationToken cancellationToken = default) =>
        _events.Settle(() => _peerActions.RemoveAsync(key, cancellationToken));

    /// <summary>Contact requests waiting for a decision (<c>--accept trusted</c>).</summary>
    public IReadOnlyList<HeldMessages> ContactRequests => _inbox.ContactRequests;

    /// <summary>Trusts the peer; messages it sent while it was not trusted are shown now.</summary>
    public void TrustPeer(PeerId id) => _events.SettleNow(() => _inbox.TrustPeer(id));

    /// <summary>Drops a contact request's messages from view; the peer stays unknown.</summary>
    public bool RejectContactRequest(PeerId id) => _inbox.RejectContactRequest(id);

    /// <summary>Blocks the peer: its connection is closed at once and nothing more of it is processed.</summary>
    public Task BlockPeerAsync(PeerId id) => _events.Settle(() => _inbox.BlockPeerAsync(id));

    public void UnblockPeer(PeerId id) => _inbox.UnblockPeer(id);

    public IReadOnlyList<Group> Groups => _groups.Groups;

    /// <summary>Creates a group this node administers; refused when the name is empty or one of its groups has it already.</summary>
    public GroupResult<Group> CreateGroup(string name) => _events.SettleNow(() => _groups.Create(name));

    /// <summary>Adds a member (admin only); adding a current member changes nothing (<see cref="GroupResult{T}.Unchanged"/>).</summary>
    public Task<GroupResult<Group>> AddMemberAsync(Guid groupId, PeerId member) =>
        _events.Settle(() => _groups.ChangeMembersAsync(groupId, member, removed: false));

    /// <summary>Removes a member (admin only); removing one who is not a member changes nothing (<see cref="GroupResult{T}.Unchanged"/>).</summary>
    public Task<GroupResult<Group>> RemoveMemberAsync(Guid groupId, PeerId member) =>
        _events.Settle(() => _groups.ChangeMembersAsync(groupId, member, removed: true));

    public GroupResult<Group> LeaveGroup(Guid groupId) => _events.SettleNow(() => _groups.Leave(groupId));

    /// <summary>Stores the message once, with an outbox row per member; members online get it at once.</summary>
    public Task<GroupSendResult> SendToGroupAsync(Guid groupId, string text) =>
        _events.Settle((_groups, groupId, text), static s => s._groups.SendAsync(s.groupId, s.text));

    /// <summary>File transfers in the database, finished ones included.</summary>
    public TransferStore TransferHistory => _files.History;

    /// <summary>Every transfer this node knows about since it started (and unfinished ones from before), oldest first.</summary>
    public IReadOnlyList<TransferInfo> Transfers => _files.All;

    public TransferInfo? FindTransfer(Guid id) => _files.Find(id);

    /// <summary>Where files handed over by a UI are kept while they are offered: beside the downloads, in the data directory.</summary>
    public string UploadsFolder => _files.UploadsFolder;

    /// <summary>
    /// Offers a file to a peer by address. Only CryptoSphere nodes can receive files: an old (legacy) peer is
    /// refused with a clear error, and so is a node whose version does not announce file transfer.
    /// </summary>
    public Task<OfferResult> OfferFileAsync(PeerKey to, string path, string? name = null, CancellationToken cancellationToken = default) =>
        _events.Settle(() => _files.Sender.OfferAsync(to, path, name, cancellationToken));

    /// <summary>Offers a file to a peer by ID, over its live connection or at its last known address.</summary>
    public Task<OfferResult> OfferFileAsync(PeerId to, string path, string? name = null, CancellationToken cancellationToken = default) =>
        _events.Settle(() => _files.Sender.OfferAsync(to, path, name, cancellationToken));

    /// <summary>Accepts an offer: only now is anything written (an empty temporary file in the downloads folder).</summary>
    public Task<TransferActionResult> AcceptTransferAsync(Guid id) => _events.Settle(() => _files.Receiver.AcceptAsync(id));

    /// <summary>Declines an offer; the sender is told. Nothing was written.</summary>
    public Task<TransferActionResult> DeclineTransferAsync(Guid id, string? reason = null) => _events.Settle(() => _files.Receiver.DeclineAsync(id, reason));

    /// <summary>Stops a transfer for good, from either side; the peer is told, and an incoming partial file is deleted.</summary>
    public Task<TransferActionResult> CancelTransferAsync(Guid id, string reason = "cancelled by the user") =>
        _events.Settle(() => _files.CancelAsync(id, reason));

    /// <summary>Bytes this process put on the wire for an outgoing transfer (tests check that a resume skips what arrived).</summary>
    internal long BytesSentFor(Guid id) => _files.BytesSentFor(id);

    /// <summary>Raises an event as the node's features do: for tests of how one that is costly to bring about is shown.</summary>
    internal void PublishForTests(NodeEvent e) => _node.Publish(e);

    /// <summary>Reads of a peer's ACK frames waiting for one of its slots (for tests of an ACK flood).</summary>
    internal int AckReadsWaitingForTests(PeerId id) => _sessions.Find(id)?.PendingAcks.Waiting ?? 0;

    /// <summary>The live session with <paramref name="id"/> (tests count its writes: a frame written twice shows).</summary>
    internal Secure.SecureSession? SessionForTests(PeerId id) => _sessions.Find(id);

    /// <summary>The session layer, for tests that hold a session between its Hellos and its registration.</summary>
    internal SessionRegistry SessionsForTests => _sessions;

    /// <summary>The file sender, for tests that fix the order of its offers.</summary>
    internal FileSender FileSenderForTests => _files.Sender;

    /// <summary>Writes any frame on the live session with a peer: for tests of hostile peers only.</summary>
    internal ValueTask SendRawFrameForTestsAsync(PeerId id, Action<System.Buffers.IBufferWriter<byte>> encode) =>
        _sessions.Find(id) is { } session
            ? session.SendAsync(encode, static (e, w) => e(w))
            : throw new InvalidOperationException($"no session with {id.Short}");

    /// <summary>
    /// Sends DISCONNECT to every peer (at most <see cref="NodeOptions.ShutdownTimeout"/>), then closes. A second call
    /// (the owner's, after the node stopped itself on a fault) waits for the same stop.
    /// </summary>
    public Task StopAsync()
    {
        lock (_stopGate)
        {
            if (_stop is not null)
                return _stop;
            if (Volatile.Read(ref _state) is not (1 or 2))
                return Task.CompletedTask;
            return _stop = _events.Settle(StopCoreAsync);
        }
    }

    private async Task StopCoreAsync()
    {
        var was = Interlocked.CompareExchange(ref _state, 3, 1);
        if (was == 2)
            was = Interlocked.CompareExchange(ref _state, 3, 2);
        if (was is not (1 or 2))
            return;
        var sendOnly = was == 2;

        _node.Work.Stop();
        await _relay.StopAsync().ConfigureAwait(false);
        _peerTable.SaveAll();
        await _dialer.DisposeAsync().ConfigureAwait(false);
        // Goodbyes go out in parallel, legacy DISCONNECTs and secure BYEs, bounded by the shutdown timeout.
        // A send-only node is not leaving the network: its port belongs to a node that keeps running.
        var limit = _node.Options.ShutdownTimeout;
        using var timeout = new CancellationTokenSource(limit);
        var goodbyes = Task.WhenAll(
            sendOnly ? Task.CompletedTask : _peerActions.SayGoodbyeToLegacyPeersAsync(timeout.Token),
            _sessions.CloseAllAsync(sayBye: !sendOnly));
        _node.Work.Track(goodbyes);
        await Task.WhenAny(goodbyes, Task.Delay(limit + TimeSpan.FromMilliseconds(200))).ConfigureAwait(false);
        // A goodbye that is still waiting (a peer that does not read) must not keep its socket open.
        _sessions.AbortAll();

        _listener.Stop();
        if (!await _node.Work.WaitAsync(TimeSpan.FromSeconds(5), _listener.Completion, _peerTable.Completion, _outbox.Completion, _mailbox.Completion).ConfigureAwait(false))
            NodeLog.StopTimedOut(_log, 5);
        NodeLog.Stopped(_log);
        _files.Stop();
        _node.Publish(new NodeStopped(_node.Now));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _node.Store.Damaged -= OnStoreDamaged;
        await _events.DisposeAsync().ConfigureAwait(false);
        _outbox.Dispose();
        _node.Work.Dispose();
        _mailbox.Dispose();
        if (_ownsIdentity)
            _node.Identity.Dispose();
        if (_ownsStore)
            _node.Store.Dispose();
    }
}
