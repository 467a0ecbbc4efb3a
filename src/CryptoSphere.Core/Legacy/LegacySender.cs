using System.Net.Sockets;

namespace CryptoSphere.Core.Legacy;

/// <summary>
/// Sends one legacy message: connect, write everything, close our side, and wait (within the timeout) for the peer to
/// close its own. Throws on failure, also when the peer reset the connection without reading the message: an old peer
/// reads its one message and then closes, so a reset means the message was not read (the peer closed at once, or was
/// stopping) and it is not reported as sent. A peer that keeps the connection open has the message in its buffer.
/// </summary>
internal static class LegacySender
{
    public static async Task SendAsync(string host, int port, byte[] message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var client = new TcpClient { NoDelay = true };
        TimeSpan roundTrip;
        try
        {
            var connecting = System.Diagnostics.Stopwatch.GetTimestamp();
            await client.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            roundTrip = System.Diagnostics.Stopwatch.GetElapsedTime(connecting);
            await WriteAsync(client.Client, message, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from {host}:{port} within {timeout.TotalSeconds:0.#} s");
        }
        await AnswerAsync(client.Client, roundTrip, deadline.Token).ConfigureAwait(false);
    }

    // A peer that closed before the message reached it sends its FIN first and resets the connection when the message
    // arrives, a round trip later: the close is looked at again after twice the connect's round trip (within bounds).
    private static readonly TimeSpan ShortestSettle = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan LongestSettle = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan UnknownRoundTrip = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Sends one legacy message on a connection the greeting probe left open (and still unwritten), then waits (up to
    /// <paramref name="timeout"/>) for the other side to close it. True when it greeted after all: a CryptoSphere
    /// listener that was too slow for the probe, not an old peer (which never writes on a connection it accepted).
    /// </summary>
    public static async Task<bool> SendOnAsync(Socket connected, byte[] message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var _ = connected;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await WriteAsync(connected, message, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"could not write to {connected.RemoteEndPoint} within {timeout.TotalSeconds:0.#} s");
        }
        var answer = await AnswerAsync(connected, UnknownRoundTrip, deadline.Token).ConfigureAwait(false);
        return answer.Length > 0 && (answer[0] == TlsRecordStart || Sessions.ServerGreeting.Bytes.AsSpan(0, answer.Length).SequenceEqual(answer));
    }

    /// <summary>
    /// What comes back before the peer's close: an old peer sends nothing; a late greeting (or a TLS record) is a
    /// CryptoSphere node. Throws when the connection was reset with nothing sent back: the message was not read.
    /// </summary>
    private static async Task<byte[]> AnswerAsync(Socket socket, TimeSpan roundTrip, CancellationToken token)
    {
        var buffer = new byte[Sessions.ServerGreeting.Bytes.Length];
        var length = 0;
        try
        {
            while (length < buffer.Length)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, token).ConfigureAwait(false);
                if (read == 0)
                {
                    // Closed: after reading (nothing follows), or before the message arrived (a reset follows). Reads
                    // after the close only say "closed"; the reset is the socket's pending error.
                    if (length == 0)
                    {
                        await Task.Delay(Clamp(roundTrip * 2), token).ConfigureAwait(false);
                        if ((int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)! != 0)
                            throw new IOException("the peer closed the connection without reading the message");
                    }
                    break;
                }
                length += read;
            }
        }
        catch (OperationCanceledException)
        {
            // Still open at the deadline: the message waits in the peer's buffer, as with any reader that is slow to close.
        }
        catch (SocketException e) when (length == 0 && e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            throw new IOException("the peer closed the connection without reading the message", e);
        }
        catch (SocketException)
        {
            // Reset after it answered: judge by what came.
        }
        return buffer[..length];
    }

    private static TimeSpan Clamp(TimeSpan wait) => wait < ShortestSettle ? ShortestSettle : wait > LongestSettle ? LongestSettle : wait;

    private const byte TlsRecordStart = 0x16;

    private static async Task WriteAsync(Socket socket, byte[] message, CancellationToken token)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(message, token).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
    }
}
