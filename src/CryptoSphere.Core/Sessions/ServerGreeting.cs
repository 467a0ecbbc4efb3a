using System.Net.Sockets;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// How a dialer tells a CryptoSphere node from the original peer without sending anything the original
/// would print as an error. The original never writes on a connection it accepted; a CryptoSphere
/// listener that has received nothing for <see cref="ListenerDelay"/> writes these bytes. A dialer that
/// knows nothing of an address connects, stays silent and waits: the greeting means TLS follows on the
/// same connection; silence means an old peer, which then gets its legacy message on that connection.
/// </summary>
internal static class ServerGreeting
{
    /// <summary>Neither a TLS record (0x16) nor a legacy header ('&lt;'), so it cannot be mistaken for either.</summary>
    public static readonly byte[] Bytes = "CRYPTOSPHERE/3\n"u8.ToArray();

    /// <summary>
    /// A client that speaks first (every TLS client, every legacy sender) has spoken by then, so only a
    /// dialer that is waiting for the greeting ever gets it.
    /// </summary>
    public static readonly TimeSpan ListenerDelay = TimeSpan.FromMilliseconds(200);

    public enum Answer { Greeted, Silent, Other }

    /// <summary>The listener's side: greets a connection that has sent nothing within <see cref="ListenerDelay"/>.</summary>
    public static async Task GreetIfSilentAsync(Socket socket, CancellationToken token) =>
        await GreetIfSilentAsync(socket, new byte[1], token).ConfigureAwait(false);

    /// <summary>
    /// The same, peeking into <paramref name="peeked"/>: the count of bytes the client had sent (0 when it closed),
    /// or null when it stayed silent and was greeted. The listener sniffs the protocol from that same peek.
    /// </summary>
    public static async Task<int?> GreetIfSilentAsync(Socket socket, Memory<byte> peeked, CancellationToken token)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(token);
        delay.CancelAfter(ListenerDelay);
        try
        {
            return await socket.ReceiveAsync(peeked, SocketFlags.Peek, delay.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            await socket.SendAsync(Bytes, SocketFlags.None, token).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Waits up to <paramref name="wait"/> for the greeting and consumes it.</summary>
    public static async Task<Answer> AwaitAsync(Socket socket, TimeSpan wait, CancellationToken token)
    {
        var buffer = new byte[Bytes.Length];
        var length = 0;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(wait);
        try
        {
            while (length < buffer.Length)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, limit.Token).ConfigureAwait(false);
                if (read == 0)
                    return Answer.Other;
                length += read;
                if (!Bytes.AsSpan(0, length).SequenceEqual(buffer.AsSpan(0, length)))
                    return Answer.Other;
            }
            return Answer.Greeted;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return length == 0 ? Answer.Silent : Answer.Other;
        }
        catch (SocketException)
        {
            return Answer.Other;
        }
    }
}
