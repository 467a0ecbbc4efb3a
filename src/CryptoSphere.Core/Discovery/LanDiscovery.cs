using System.Net;
using System.Net.Sockets;
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
        _limiter = new SourceRateLimiter(options.MaxPerSourcePerMinute, TimeSpan.FromMinutes(1), clock);
    }

    public void Start()
    {
        _sockets.Add((OpenV4(), new IPEndPoint(_options.Group, _options.Port)));
        if (_options.GroupV6 is { } v6 && Socket.OSSupportsIPv6 && TryOpenV6(v6) is { } socket6)
            _sockets.Add((socket6, new IPEndPoint(v6, _options.Port)));
        foreach (var (socket, _) in _sockets)
            _loops.Add(Task.Run(() => ReceiveLoopAsync(socket)));
        _loops.Add(Task.Run(AnnounceLoopAsync));
        _log.LogInformation("LAN discovery on {Group}:{Port}", _options.Group, _options.Port);
    }

    private Socket OpenV4()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
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
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, _options.Port));
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group));
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, _options.TimeToLive);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, true);
            return socket;
        }
        catch (SocketException e)
        {
            _log.LogInformation("No IPv6 discovery: {Error}", e.Message);
            socket.Dispose();
            return null;
        }
    }

    private async Task AnnounceLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.Interval, _clock);
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
                    _log.LogDebug("Announcement to {Group} not sent: {Error}", group, e.Message);
                }
            }
        }
        while (await WaitAsync(timer).ConfigureAwait(false));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        var buffer = new byte[2048];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.LogDebug("Discovery receive failed: {Error}", e.Message);
                continue;
            }
            var source = ((IPEndPoint)received.RemoteEndPoint).Address;
            if (!_limiter.Allow(source))
            {
                _log.LogDebug("Discovery flood from {Source}: datagram dropped", source);
                continue;
            }
            var announcement = Announcement.TryDecode(buffer.AsSpan(0, received.ReceivedBytes), out var error);
            if (announcement is null)
            {
                _log.LogWarning("Ignored a discovery datagram from {Source}: {Reason}", source, error);
                continue;
            }
            if (announcement.Id == _current().Id)
                continue;
            try
            {
                _onAnnouncement(announcement, source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source);
            }
            catch (Exception e)
            {
                _log.LogError(e, "Handling an announcement from {Source} failed", source);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var (socket, _) in _sockets)
            socket.Dispose();
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _stop.Dispose();
    }
}
