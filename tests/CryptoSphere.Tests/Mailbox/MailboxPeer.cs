using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Secure;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// The mailbox components of one node behind real TLS connections on 127.0.0.1 (identity and agreement key
/// on disk, mailbox.db, holder and client), without the chat engine: it proves the exchange over the wire
/// until the node runs it. Frames are dispatched the way the node's feature handlers are.
/// </summary>
internal sealed class MailboxPeer : IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly HashSet<PeerId> _trusted;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<FrameConnection> _connections = [];
    private readonly Task _acceptLoop;

    public CapturingLoggerProvider Log { get; } = new();

    public MailboxPeer(string dataDirectory, HashSet<PeerId>? trusted = null)
    {
        _trusted = trusted ?? [];
        Identity = NodeIdentity.LoadOrCreate(dataDirectory);
        Agreement = AgreementKey.LoadOrCreate(dataDirectory, Identity);
        Store = MailboxStore.Open(dataDirectory, id => _trusted.Contains(id));
        var logger = Log.CreateLogger("mailbox");
        Holder = new MailboxHolder(Store, logger);
        Client = new MailboxClient(Identity, Agreement, Store, Seen, logger)
        {
            OnMessage = (opened, mailbox) =>
            {
                Received.Add((opened, mailbox));
                return ValueTask.FromResult(true);
            },
            OnDelivered = receipt => Delivered.Add(receipt),
            OnPutAnswered = (message, _, mailbox, outcome) => Answers.Add((message, mailbox, outcome)),
        };
        Protocol = new MailboxProtocol(Identity.Id, Holder, Client);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public NodeIdentity Identity { get; }

    public AgreementKey Agreement { get; }

    public MailboxStore Store { get; }

    public MailboxHolder Holder { get; }

    public MailboxClient Client { get; }

    public MailboxProtocol Protocol { get; }

    public SeenMessages Seen { get; } = new();

    public PeerId Id => Identity.Id;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentBag<(OpenedEnvelope Opened, PeerId Mailbox)> Received { get; } = [];

    public ConcurrentBag<DeliveryReceipt> Delivered { get; } = [];

    public ConcurrentBag<(Guid Message, PeerId Mailbox, PutOutcome Outcome)> Answers { get; } = [];

    public void Trust(params MailboxPeer[] peers)
    {
        foreach (var peer in peers)
            _trusted.Add(peer.Id);
    }

    /// <summary>Connects to <paramref name="other"/> as the TLS client; both sides run their on-connect steps.</summary>
    public async Task<FrameSender> ConnectAsync(MailboxPeer other)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, other.Port);
        var (ssl, remote) = await TlsHandshake.ConnectAsync(new NetworkStream(socket, ownsSocket: true), Identity, other.Id,
            HandshakeTimeout, CancellationToken.None);
        return await RunAsync(ssl, remote);
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                var (ssl, remote) = await TlsHandshake.AcceptAsync(new NetworkStream(socket, ownsSocket: true), Identity,
                    HandshakeTimeout, _stop.Token);
                await RunAsync(ssl, remote);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task<FrameSender> RunAsync(Stream stream, PeerId remote)
    {
        var connection = new FrameConnection(stream, FrameCodec.DefaultMaxFrameBytes);
        _connections.Add(connection);
        FrameSender send = encode => connection.SendAsync(encode, static (e, w) => e(w));
        connection.Start((type, body) => Protocol.HandleAsync(remote, type, body, send));
        await Protocol.OnConnectedAsync(remote, send);
        return send;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        foreach (var connection in _connections)
            await connection.CloseAsync(TimeSpan.FromSeconds(2));
        Store.Dispose();
        Agreement.Dispose();
        Identity.Dispose();
    }
}
