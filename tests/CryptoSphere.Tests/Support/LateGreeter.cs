using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Sessions;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// A listener too busy to greet in time: it greets only once the dialer has written (so always after the dialer's
/// wait), reads until the dialer closes, and keeps what each connection brought. It never completes a TLS handshake.
/// </summary>
public sealed class LateGreeter : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public LateGreeter() => _listener.Start();

    public PeerKey Key => new(TestNodes.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port);

    /// <summary>Accepts the next connection and returns what it sent before it closed (or the first bytes of a TLS record).</summary>
    public async Task<byte[]> NextConnectionAsync()
    {
        using var limit = new CancellationTokenSource(EventWaiter.DefaultTimeout * 2);
        using var socket = await _listener.AcceptSocketAsync(limit.Token);
        var data = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0)
        {
            if (data.Length == 0)
            {
                if (buffer[0] == 0x16)
                    return buffer[..read];
                await socket.SendAsync(ServerGreeting.Bytes, SocketFlags.None, limit.Token);
            }
            data.Write(buffer, 0, read);
        }
        return data.ToArray();
    }

    public void Dispose() => _listener.Stop();
}
