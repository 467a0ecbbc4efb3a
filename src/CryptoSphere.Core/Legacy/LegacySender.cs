using System.Net.Sockets;

namespace CryptoSphere.Core.Legacy;

/// <summary>Sends one legacy message: connect, write everything, close. Throws on failure.</summary>
internal static class LegacySender
{
    public static async Task SendAsync(string host, int port, byte[] message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            await WriteAsync(client.Client, message, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from {host}:{port} within {timeout.TotalSeconds:0.#} s");
        }
    }

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
        return await GreetedLateAsync(connected, deadline.Token).ConfigureAwait(false);
    }

    // What comes back before the close: an old peer sends nothing; a late greeting (or a TLS record) is a CryptoSphere node.
    private static async Task<bool> GreetedLateAsync(Socket socket, CancellationToken token)
    {
        var greeting = Sessions.ServerGreeting.Bytes;
        var buffer = new byte[greeting.Length];
        var length = 0;
        try
        {
            while (length < buffer.Length)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, token).ConfigureAwait(false);
                if (read == 0)
                    break;
                length += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            // Not closed in time, or reset: the message was written either way; judge by what came.
        }
        return length > 0 && (buffer[0] == TlsRecordStart || greeting.AsSpan(0, length).SequenceEqual(buffer.AsSpan(0, length)));
    }

    private const byte TlsRecordStart = 0x16;

    private static async Task WriteAsync(Socket socket, byte[] message, CancellationToken token)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(message, token).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
    }
}
