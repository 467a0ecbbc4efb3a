using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Discovery;

/// <summary>
/// Announces this node on the LAN by UDP multicast at start and every interval, and reports the
/// announcements of others. Garbage, floods and our own announcements are dropped with a log line.
/// </summary>
internal sealed class LanDiscovery : IAsyncDisposable
{
    private readonly DiscoveryOptions _options;
    private readonly Func<Announcement> _current;
    private readonly Action<Announcement, IPAddress> _onAnnouncement;
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private readonly SourceRateLimiter _limiter;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(Socket Socket, IPEndPoint Group)> _sockets = new();
    private readonly List<Task> _loops = new();

    public LanDiscovery(DiscoveryOptions options, Func<Announcement> current, Action<Announcement, IPAddress> onAnnouncement,
        ILogger log, TimeProvider clock)
    {
        _options = options;
        _current = current;
        _onAnnouncement = onAnnouncement;
        _log = log;
        _clock = clock;
        _limiter = new SourceRateLimiter(options.MaxPerSourcePerMinute, TimeSpan.FromMinutes(1), clock, options.MaxTrackedSources);
    }

    private long _accepted;
    private long _notMulticast;
    private long _flooded;

    /// <summary>Announcements handed to the node (not our own, not dropped).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Datagrams sent straight to this host rather than to the group: dropped.</summary>
    public long NotMulticast => Interlocked.Read(ref _notMulticast);

    /// <summary>Datagrams within the allowance that were not announcements (garbage, too large).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    private long _rejected;

    /// <summary>Datagrams over a source's allowance: dropped.</summary>
    public long Flooded => Interlocked.Read(ref _flooded);

    public void Start()
    {
        _sockets.Add((OpenV4(), new IPEndPoint(_options.Group, _options.Port)));
        if (_options.GroupV6 is { } v6 && Socket.OSSupportsIPv6 && TryOpenV6(v6) is { } socket6)
            _sockets.Add((socket6, new IPEndPoint(v6, _options.Port)));
        foreach (var (socket, _) in _sockets)
            _loops.Add(Task.Run(() => ReceiveLoopAsync(socket)));
        _loops.Add(Task.Run(AnnounceLoopAsync));
        LanDiscoveryLog.Started(_log, _options.Group, _options.Port);
    }

    private Socket OpenV4()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        // Tells each datagram's destination, so one sent to this host alone (not to the group) is recognised.
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
        // Every node on this host listens on the same discovery port.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Any, _options.Port));
        var local = _options.Interface ?? IPAddress.Any;
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(_options.Group, local));
        if (_options.Interface is { } chosen)
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, chosen.GetAddressBytes());
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, _options.TimeToLive);
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
        return socket;
    }

    private Socket? TryOpenV6(IPAddress group)
    {
        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, _options.Port));
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group));
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, _options.TimeToLive);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, true);
            return socket;
        }
        catch (SocketException e)
        {
            LanDiscoveryLog.NoIpv6(_log, e.Message);
            socket.Dispose();
            return null;
        }
    }

    private async Task AnnounceLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.Interval, _clock);
        using var stop = timer.StopOn(_stop.Token);
        do
        {
            var datagram = _current().Encode();
            foreach (var (socket, group) in _sockets)
            {
                try
                {
                    await socket.SendToAsync(datagram, SocketFlags.None, group, _stop.Token).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    LanDiscoveryLog.AnnounceFailed(_log, group, e.Message);
                }
            }
        }
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false));
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        var buffer = new byte[2048];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult received;
            try
            {
                received = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LanDiscoveryLog.ReceiveFailed(_log, e.Message);
                continue;
            }
            var source = ((IPEndPoint)received.RemoteEndPoint).Address;
            // Announcements go to the group. One addressed to this host alone comes from someone who knows the host
            // and wants it to dial where they say without being seen on the LAN: not an announcement.
            if (!IsMulticast(received.PacketInformation.Address))
            {
                Interlocked.Increment(ref _notMulticast);
                LanDiscoveryLog.NotMulticast(_log, source, received.PacketInformation.Address);
                continue;
            }
            if (!_limiter.Allow(source))
            {
                Interlocked.Increment(ref _flooded);
                LanDiscoveryLog.Flooded(_log, source);
                continue;
            }
            var announcement = Announcement.TryDecode(buffer.AsSpan(0, received.ReceivedBytes), out var error);
            if (announcement is null)
            {
                Interlocked.Increment(ref _rejected);
                LanDiscoveryLog.Ignored(_log, source, error);
                continue;
            }
            if (announcement.Id == _current().Id)
                continue;
            Interlocked.Increment(ref _accepted);
            try
            {
                _onAnnouncement(announcement, source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source);
            }
            catch (Exception e)
            {
                LanDiscoveryLog.HandlerFailed(_log, e, source);
            }
        }
    }

    private static bool IsMulticast(IPAddress? destination) => destination switch
    {
        null => false,
        { IsIPv4MappedToIPv6: true } => IsMulticast(destination.MapToIPv4()),
        { AddressFamily: AddressFamily.InterNetworkV6 } => destination.IsIPv6Multicast,
        _ => destination.GetAddressBytes()[0] is >= 224 and <= 239,
    };

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var (socket, _) in _sockets)
            socket.Dispose();
        // Bounded: the loops log their own failures and end once their sockets are closed.
        await Task.WhenAny(Task.WhenAll(_loops), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
        _stop.Dispose();
    }
}
