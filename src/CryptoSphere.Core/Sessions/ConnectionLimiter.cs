using System.Net;
using System.Net.Sockets;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// Per-address and total caps on connections (Kestrel's ConnectionLimitMiddleware, per address too), applied so
/// that the node never accepts a connection it then drops unread: a legacy sender believes a message written to
/// an accepted connection is delivered and never retries it.
/// </summary>
/// <remarks>
/// At the total cap the accept loop stops accepting (<see cref="WaitForRoom"/>): the kernel's backlog holds the
/// rest, which is TCP's own backpressure. The per-address cap can only be checked after accepting, so a
/// connection over it is parked unread (it holds a socket, not a reader) and runs when one of that address's
/// connections ends. When an address also has as many parked as its cap, the accept loop waits for it as long
/// as its connections keep ending; only an address whose connections have stalled gets a connection refused:
/// closed unread, counted in <see cref="Refused"/> and reported by the listener.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The semaphore's wait handle is never asked for, so it holds nothing to dispose; handlers release into it until they end.")]
internal sealed class ConnectionLimiter(int perAddress, int total, TimeSpan progressWindow)
{
    private readonly SemaphoreSlim _room = new(total, total);
    private readonly Dictionary<IPAddress, Slots> _addresses = [];
    // A monitor, not a Lock: the accept loop waits on it for an address's slot.
    private readonly object _gate = new();
    // How recently an address's connection must have ended for the accept loop to wait for it rather than refuse.
    private readonly int _progressWindowMs = (int)progressWindow.TotalMilliseconds;
    // The accept loop, waiting for room among an address's parked connections, is woken once this few are parked
    // or it has waited ResumeAfterMs, not as each connection ends: at the cap under a flood that would be a thread
    // switch per connection.
    private readonly int _resumeParked = perAddress - Math.Clamp(perAddress / 16, 1, 64);
    private const int ResumeAfterMs = 10;
    private long _waitingSince;
    private long _refused;
    private int _waiting;

    public enum Admission
    {
        /// <summary>Handle it now; call <see cref="Release"/> when it ends.</summary>
        Run,

        /// <summary>Held unread; <see cref="Release"/> hands it out when its address has room.</summary>
        Parked,

        /// <summary>Over both caps of its address: close it (its room is already given back).</summary>
        Refused,
    }

    /// <summary>Connections closed unread since the node started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Blocks the accept loop until one more connection fits under the total cap.</summary>
    public void WaitForRoom(CancellationToken token) => _room.Wait(token);

    /// <summary>Gives back the room taken by <see cref="WaitForRoom"/> when no connection was accepted.</summary>
    public void ReturnRoom() => _room.Release();

    /// <summary>
    /// Decides what happens to a connection just accepted (after <see cref="WaitForRoom"/>). When its address has
    /// both caps full, this blocks the accept loop while that address's connections are still ending (a fast
    /// sender is slowed by TCP, not refused) and refuses at once when they have not ended for a second (a
    /// flood of silent connections cannot stall the listener for everyone).
    /// </summary>
    public Admission Admit(IPAddress address, Socket socket, CancellationToken token)
    {
        lock (_gate)
        {
            while (true)
            {
                if (!_addresses.TryGetValue(address, out var slots))
                    _addresses[address] = slots = new Slots();
                if (slots.Running < perAddress)
                {
                    slots.Running++;
                    return Admission.Run;
                }
                if (slots.Parked.Count < perAddress)
                {
                    slots.Parked.Enqueue(socket);
                    return Admission.Parked;
                }
                if (token.IsCancellationRequested || Environment.TickCount64 - slots.LastEnded > _progressWindowMs)
                    break;
                _waiting++;
                _waitingSince = Environment.TickCount64;
                Monitor.Wait(_gate, _progressWindowMs);
                _waiting--;
            }
        }
        Interlocked.Increment(ref _refused);
        _room.Release();
        return Admission.Refused;
    }

    /// <summary>
    /// A running connection from <paramref name="address"/> ended. Returns a parked connection of the same address
    /// that may run now (it keeps the address's slot), or null.
    /// </summary>
    public Socket? Release(IPAddress address)
    {
        _room.Release();
        lock (_gate)
        {
            var slots = _addresses[address];
            slots.LastEnded = Environment.TickCount64;
            if (slots.Parked.TryDequeue(out var next))
            {
                if (_waiting > 0 && (slots.Parked.Count <= _resumeParked || Environment.TickCount64 - _waitingSince >= ResumeAfterMs))
                    Monitor.PulseAll(_gate);
                return next;
            }
            if (_waiting > 0)
                Monitor.PulseAll(_gate);
            if (--slots.Running == 0)
                _addresses.Remove(address);
            return null;
        }
    }

    /// <summary>The node is stopping: closes every parked connection.</summary>
    public void CloseParked()
    {
        List<Socket> parked;
        lock (_gate)
        {
            parked = [.. _addresses.Values.SelectMany(s => s.Parked)];
            foreach (var slots in _addresses.Values)
                slots.Parked.Clear();
        }
        foreach (var socket in parked)
            socket.Dispose();
    }

    private sealed class Slots
    {
        public int Running;
        public long LastEnded = Environment.TickCount64;
        public readonly Queue<Socket> Parked = new();
    }
}
