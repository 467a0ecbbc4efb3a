using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.Node;

/// <summary>
/// One CryptoSphere node: a listener on one TCP port, the peer table, and the sending side.
/// It publishes what happens through <see cref="EventRaised"/> and never touches the console.
/// </summary>
public sealed partial class ChatNode : IAsyncDisposable
{
    private const byte TlsHandshakeRecord = 0x16;
    private const byte LegacyHeaderStart = (byte)'<';

    private readonly NodeOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly ConcurrentDictionary<IPAddress, int> _connectionsPerIp = new();
    private int _openConnections;
    private long _refusedConnections;
    private Socket? _listener;
    private Task? _acceptLoop;
    private Task? _inactivityMonitor;
    private int _stopped;
    private readonly bool _ownsIdentity;
    private readonly bool _ownsStore;
    private bool _sendOnly;

    public ChatNode(NodeOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? clock = null)
    {
        _options = options;
        _log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ChatNode>();
        _clock = clock ?? TimeProvider.System;
        _ownsIdentity = options.Identity is null;
        Identity = options.Identity ?? NodeIdentity.CreateEphemeral();
        _ownsStore = options.Store is null;
        Store = options.Store ?? ChatStore.OpenInMemory();
        Trust = new TrustStore(Store);
        Store.Quota = Limits.NodeLimits.QuotaOf(options);
        ReceiveLimits = Limits.NodeLimits.ReceiveLimitsOf(options);
        Peers.Changed += OnPeerChanged;
        InitializeFeatures();
    }

    public event Action<NodeEvent>? EventRaised;

    /// <summary>The memory budgets for what peers send (their use is what tests and benchmarks watch).</summary>
    internal Limits.ReceiveLimits ReceiveLimits { get; }

    public PeerTable Peers { get; } = new();

    public string Name => _options.Name;

    /// <summary>The port actually listened on (may differ from the asked one); 0 before start.</summary>
    public int Port { get; private set; }

    public string AdvertisedIp { get; private set; } = "";

    public Task StartAsync()
    {
        if (_listener is not null)
            throw new InvalidOperationException("the node is already started");

        _listener = PortBinder.Bind(_options.Bind, _options.Port, _options.StrictPort, _options.MaxPortTries, _options.Backlog);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        AdvertisedIp = _options.AdvertiseIp ?? LocalAddress.Detect();

        int? requested = _options.Port != 0 && _options.Port != Port ? _options.Port : null;
        if (requested is not null)
            _log.LogWarning("Port {Requested} is in use; listening on {Port} instead", requested, Port);
        _log.LogInformation("Listening on {Bind}:{Port}, advertising {Ip}", _options.Bind, Port, AdvertisedIp);

        _acceptLoop = Task.Factory.StartNew(AcceptLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _inactivityMonitor = Task.Run(MonitorInactivityAsync);
        StartOutbox();
        StartDiscovery();
        Raise(new NodeStarted(Now, AdvertisedIp, Port, requested));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Prepares the node to send without listening (one-off sends from the command line);
    /// <paramref name="advertisedPort"/> is where the user's real node answers.
    /// </summary>
    public void StartSendOnly(int advertisedPort)
    {
        Port = advertisedPort;
        AdvertisedIp = _options.AdvertiseIp ?? LocalAddress.Detect();
        _sendOnly = true;
    }

    private DateTimeOffset Now => _clock.GetUtcNow();

    // A thread of its own, blocking in accept: when thousands of connection handlers queue on the thread
    // pool, new connections are still taken off the kernel's backlog before it overflows.
    private void AcceptLoop()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = _listener!.Accept();
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException e)
            {
                _log.LogWarning("Accept failed: {Error}", e.SocketErrorCode);
                continue;
            }
            if (Admit(socket) is not { } address)
                continue;
            Track(ReleaseAfter(HandleConnectionAsync(socket, token), address));
        }
    }

    // Per-address and total connection caps: a flood from one address cannot crowd out everyone else.
    private IPAddress? Admit(Socket socket)
    {
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        var fromAddress = _connectionsPerIp.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (fromAddress <= _options.MaxConnectionsPerIp && Interlocked.Increment(ref _openConnections) <= _options.MaxConnections)
            return address;
        if (fromAddress <= _options.MaxConnectionsPerIp)
            Interlocked.Decrement(ref _openConnections);
        Release(address, countsTotal: false);
        socket.Dispose();
        // One line per refused burst, not per connection: a flood must not flood the log too.
        if (Interlocked.Increment(ref _refusedConnections) % 1000 == 1)
            _log.LogWarning("Refusing connections from {Address}: over the limit of {PerIp} per address or {Total} in all ({Refused} refused so far)",
                address, _options.MaxConnectionsPerIp, _options.MaxConnections, _refusedConnections);
        return null;
    }

    private async Task ReleaseAfter(Task handler, IPAddress address)
    {
        try
        {
            await handler.ConfigureAwait(false);
        }
        finally
        {
            Release(address, countsTotal: true);
        }
    }

    private void Release(IPAddress address, bool countsTotal)
    {
        if (countsTotal)
            Interlocked.Decrement(ref _openConnections);
        if (_connectionsPerIp.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0)
            _connectionsPerIp.TryRemove(KeyValuePair.Create(address, 0));
    }

    private void Track(Task task)
    {
        _connections.TryAdd(task, 0);
        task.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task HandleConnectionAsync(Socket socket, CancellationToken token)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint;
        var remoteText = remote?.ToString() ?? "?";
        try
        {
            await Task.Yield();
            var first = await PeekFirstByteAsync(socket, token).ConfigureAwait(false);
            switch (first)
            {
                case null:
                    Reject(remoteText, "connection closed or silent before sending anything");
                    break;
                case LegacyHeaderStart:
                    await HandleLegacyAsync(socket, remote!, token).ConfigureAwait(false);
                    break;
                case TlsHandshakeRecord:
                    await HandleSecureAsync(socket, remote!, token).ConfigureAwait(false);
                    break;
                default:
                    Reject(remoteText, $"unknown protocol (first byte 0x{first:x2})");
                    break;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            Reject(remoteText, $"connection error: {e.Message}");
        }
        catch (Exception e)
        {
            // A handler must never take the node down; log and drop this connection only.
            _log.LogError(e, "Unexpected error on connection from {Remote}", remoteText);
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task<byte?> PeekFirstByteAsync(Socket socket, CancellationToken token)
    {
        var one = new byte[1];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(_options.ReadTimeout);
        try
        {
            var read = await socket.ReceiveAsync(one, SocketFlags.Peek, timeout.Token).ConfigureAwait(false);
            return read == 0 ? null : one[0];
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return null;
        }
    }

    private void Reject(string remote, string reason)
    {
        _log.LogWarning("Dropped input from {Remote}: {Reason}", remote, reason);
        Raise(new InputRejected(Now, remote, reason));
    }

    private async Task MonitorInactivityAsync()
    {
        using var timer = new PeriodicTimer(_options.InactivityCheckInterval, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                Peers.RemoveSilentSince(Now - _options.InactivityTimeout);
                ExpireOffers();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnPeerChanged(PeerChange change)
    {
        NodeEvent e = change.Kind switch
        {
            PeerChangeKind.Added => new PeerAdded(Now, change.Peer),
            PeerChangeKind.Removed => new PeerRemoved(Now, change.Peer, change.Reason!.Value),
            _ => new PeerUpdated(Now, change.Peer),
        };
        if (e is PeerRemoved removed)
            _log.LogInformation("Peer {Peer} removed ({Reason})", removed.Peer.Key, removed.Reason);
        if (change.Kind != PeerChangeKind.Updated)
            PersistPeer(change.Peer, change.Reason);
        Raise(e);
    }

    private void PersistPeer(Peer peer, PeerRemovalReason? reason)
    {
        try
        {
            Store.SavePeer(peer, reason?.ToString(), reason is null ? null : Now);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            _log.LogWarning("Could not record peer {Peer}: {Error}", peer.Key, e.Message);
        }
    }

    private void Raise(NodeEvent e)
    {
        var handlers = EventRaised;
        if (handlers is null)
            return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<NodeEvent>>())
        {
            try
            {
                handler(e);
            }
            catch (Exception ex)
            {
                _log.LogError(ex, "An event subscriber failed on {Event}", e.GetType().Name);
            }
        }
    }

    /// <summary>Sends DISCONNECT to every peer (at most <see cref="NodeOptions.ShutdownTimeout"/>), then closes.</summary>
    public async Task StopAsync()
    {
        if ((_listener is null && !_sendOnly) || Interlocked.Exchange(ref _stopped, 1) == 1)
            return;

        // Goodbyes go out in parallel, legacy DISCONNECTs and secure BYEs, bounded by the shutdown timeout.
        _stopping.Cancel();
        // Last-seen times and message counts change too often to write each time; they are saved here.
        foreach (var peer in Peers.Snapshot())
            PersistPeer(peer, null);
        await StopDiscoveryAsync().ConfigureAwait(false);
        using var limit = new CancellationTokenSource(_options.ShutdownTimeout);
        // A send-only node is not leaving the network: its port belongs to a node that keeps running.
        var legacyPeers = Peers.Snapshot().Where(p => p.Protocol == PeerProtocol.Legacy && !_sendOnly);
        var goodbyes = legacyPeers.Select(p => TrySendRawAsync(p.Key, LegacyCodec.EncodeDisconnect(AdvertisedIp, Port), limit.Token))
            .Append(CloseSessionsAsync(sayBye: !_sendOnly));
        await Task.WhenAll(goodbyes).WaitAsync(_options.ShutdownTimeout + TimeSpan.FromMilliseconds(200))
            .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);

        _listener?.Dispose();
        var pending = _connections.Keys.Append(_acceptLoop ?? Task.CompletedTask).Append(_inactivityMonitor ?? Task.CompletedTask).Append(_outboxLoop ?? Task.CompletedTask);
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _log.LogInformation("Node stopped");
        Raise(new NodeStopped(Now));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        if (_ownsIdentity)
            Identity.Dispose();
        if (_ownsStore)
            Store.Dispose();
    }
}
