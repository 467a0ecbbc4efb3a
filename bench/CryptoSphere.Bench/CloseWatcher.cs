using System.Net.Sockets;

namespace CryptoSphere.Bench;

/// <summary>
/// Finds out, after a legacy sender has written its message and shut down its side, whether the receiver read it:
/// a receiver that read everything closes with a FIN (a read returns 0); one that closed the connection unread
/// (a connection cap, for instance) makes the kernel answer with a reset. The sender does not wait for this:
/// it hands the socket over and goes on, as a legacy peer would, so the watching costs no sender time.
/// </summary>
internal sealed class CloseWatcher(int maxPending)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _slots = new(maxPending, maxPending);
    private long _read, _closedUnread, _unanswered;

    /// <summary>Receivers that closed after reading everything.</summary>
    public long Read => Interlocked.Read(ref _read);

    /// <summary>Connections reset by the receiver: closed with the message unread.</summary>
    public long ClosedUnread => Interlocked.Read(ref _closedUnread);

    /// <summary>Connections the receiver had not closed within 30 s of the message.</summary>
    public long Unanswered => Interlocked.Read(ref _unanswered);

    /// <summary>Takes ownership of <paramref name="socket"/>; <paramref name="unread"/> runs if the receiver reset it.
    /// Blocks while <c>maxPending</c> sockets are still being watched (it bounds the open file descriptors).</summary>
    public void Watch(Socket socket, Action unread)
    {
        _slots.Wait();
        _ = WatchAsync(socket, unread);
    }

    private async Task WatchAsync(Socket socket, Action unread)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Patience);
            var buffer = new byte[1];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false) > 0)
            {
            }
            Interlocked.Increment(ref _read);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            Interlocked.Increment(ref _closedUnread);
            unread();
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _unanswered);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _unanswered);
        }
        finally
        {
            socket.Dispose();
            _slots.Release();
        }
    }

    /// <summary>Waits until every watched socket has an answer (or its 30 s ran out).</summary>
    public bool Drain(TimeSpan timeout, int maxPending)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_slots.CurrentCount < maxPending)
        {
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(5);
        }
        return true;
    }
}
