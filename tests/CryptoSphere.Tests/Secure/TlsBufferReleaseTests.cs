using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// Both ends of a handshake are put in OpenSSL's release-buffers mode (an idle connection then holds no record
/// buffers), and bytes still cross both ways whole: small records, records larger than one buffer, and after idling.
/// </summary>
public class TlsBufferReleaseTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task BothEnds_ReleaseTheirBuffers_AndStillCarryEveryByteBothWays()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var serverIdentity = NodeIdentity.CreateEphemeral();
        using var clientIdentity = NodeIdentity.CreateEphemeral();
        using var clientSocket = new TcpClient();
        await clientSocket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var serverSocket = await listener.AcceptTcpClientAsync();

        var accepting = TlsHandshake.AcceptAsync(serverSocket.GetStream(), serverIdentity, Wait, default);
        var connecting = TlsHandshake.ConnectAsync(clientSocket.GetStream(), clientIdentity, serverIdentity.Id, Wait, default);
        var (server, clientId) = await accepting.WaitAsync(Wait);
        var (client, serverId) = await connecting.WaitAsync(Wait);
        await using var _ = server;
        await using var __ = client;
        Assert.Equal(clientIdentity.Id, clientId);
        Assert.Equal(serverIdentity.Id, serverId);

        Assert.True(OperatingSystem.IsLinux(), "CryptoSphere's connections run on OpenSSL (Linux) here");
        Assert.True(TlsBufferRelease.IsApplied(server), "the accepting end keeps OpenSSL's record buffers");
        Assert.True(TlsBufferRelease.IsApplied(client), "the dialling end keeps OpenSSL's record buffers");

        // 1 byte, a full 16 KiB record and a bit, many records; each way, read back whole.
        foreach (var size in new[] { 1, 16 * 1024 + 1, 1024 * 1024 })
        {
            await AssertCrossesAsync(client, server, size);
            await AssertCrossesAsync(server, client, size);
        }
        // OpenSSL gives the buffers back as soon as a read empties them (nothing to wait for); the next record
        // takes them again.
        await AssertCrossesAsync(client, server, 3);
        await AssertCrossesAsync(server, client, 3);
    }

    private static async Task AssertCrossesAsync(SslStream from, SslStream to, int size)
    {
        var sent = RandomNumberGenerator.GetBytes(size);
        using var limit = new CancellationTokenSource(Wait);
        var writing = Task.Run(async () =>
        {
            await from.WriteAsync(sent, limit.Token);
            await from.FlushAsync(limit.Token);
        });
        var received = new byte[size];
        await to.ReadExactlyAsync(received, limit.Token);
        await writing;
        Assert.Equal(sent, received);
    }
}
