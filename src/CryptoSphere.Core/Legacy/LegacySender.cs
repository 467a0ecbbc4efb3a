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
            var stream = client.GetStream();
            await stream.WriteAsync(message, deadline.Token).ConfigureAwait(false);
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from {host}:{port} within {timeout.TotalSeconds:0.#} s");
        }
    }
}
