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

    /// <summary>Sends one legacy message on a connection already open (and still unwritten), then closes it.</summary>
    public static async Task SendOnAsync(Socket connected, byte[] message, TimeSpan timeout, CancellationToken cancellationToken)
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
    }

    private static async Task WriteAsync(Socket socket, byte[] message, CancellationToken token)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(message, token).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
    }
}
