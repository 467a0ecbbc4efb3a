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
/// connections ends. Only when an address also has as many parked connections as its cap is a connection
/// refused: closed unread, counted in <see cref="Refused"/> and reported by the listener.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The semaphore's wait handle is never asked for, so it holds nothing to dispose; handlers release into it until they end.")]
internal sealed class ConnectionLimiter(int perAddress, int total)
{
    private readonly SemaphoreSlim _room = new(total, total);
    private readonly Dictionary<IPAddress, Slots> _addresses = [];
    private readonly Lock _gate = new();
    private long _refused;

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

    /// <summary>Connections accepted and not yet ended (running or parked).</summary>
    public int Open => total - _room.CurrentCount;

    /// <summary>Blocks the accept loop until one more connection fits under the total cap.</summary>
    public void WaitForRoom(CancellationToken token) => _room.Wait(token);

    /// <summary>Gives back the room taken by <see cref="WaitForRoom"/> when no connection was accepted.</summary>
    public void ReturnRoom() => _room.Release();

    /// <summary>Decides what happens to a connection just accepted (after <see cref="WaitForRoom"/>).</summary>
    public Admission Admit(IPAddress address, Socket socket)
    {
        lock (_gate)
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
            if (slots.Parked.TryDequeue(out var next))
                return next;
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
        public readonly Queue<Socket> Parked = new();
    }
}
