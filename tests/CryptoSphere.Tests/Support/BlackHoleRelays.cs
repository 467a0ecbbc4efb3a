using System.Net;
using System.Net.Sockets;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// Loopback ports that accept a connection and never say a word, as a dead or hostile relay in a discovery server's
/// list does: a dial waits for its timeout. Counts the connections, and how many were open at once.
/// </summary>
public sealed class BlackHoleRelays : IAsyncDisposable
{
    private readonly List<TcpListener> _listeners = [];
    private readonly List<Socket> _held = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private int _accepted;
    private int _open;

    public BlackHoleRelays(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            _listeners.Add(listener);
            Ports.Add(((IPEndPoint)listener.LocalEndpoint).Port);
            _loops.Add(Task.Run(() => AcceptLoopAsync(listener)));
        }
    }

    public List<int> Ports { get; } = [];

    /// <summary>Connections accepted so far (each held open, unanswered).</summary>
    public int Accepted
    {
        get
        {
            lock (_gate)
                return _accepted;
        }
    }

    /// <summary>
    /// Completes once <paramref name="count"/> connections are open at the same time (accepted, and not closed by the
    /// dialler). Dials one after the other never get there however slow the machine: each closes at its timeout
    /// before the next is made.
    /// </summary>
    public Task OpenAtOnceAsync(int count)
    {
        lock (_gate)
        {
            if (_open >= count)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            lock (_gate)
            {
                _held.Add(socket);
                _accepted++;
                _open++;
                _loops.Add(Task.Run(() => WatchCloseAsync(socket)));
                foreach (var waiter in _waiters.Where(w => w.Count <= _open).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    // Reads nothing the dialler could send but its close (a relay's TLS ClientHello is read and dropped).
    private async Task WatchCloseAsync(Socket socket)
    {
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        lock (_gate)
            _open--;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var listener in _listeners)
            listener.Stop();
        Task[] loops;
        lock (_gate)
            loops = [.. _loops];
        await Task.WhenAll(loops);
        lock (_gate)
            foreach (var socket in _held)
                socket.Dispose();
        _stop.Dispose();
    }
}
