using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Tests.Secure;

/// <summary>A handshake that the other side never completes ends at its time limit, on either side, with a reason.</summary>
public class TlsHandshakeTimeoutTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Accepting_FromAClientThatSendsNothing_TimesOut()
    {
        var (near, far, listener) = await PairAsync();
        using var _ = listener;
        using var __ = far;
        using var identity = NodeIdentity.CreateEphemeral();
        using var node = new CancellationTokenSource(); // the node's token: lives on after the handshake

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            TlsHandshake.AcceptAsync(new NetworkStream(near, ownsSocket: true), identity, Limit, node.Token).WaitAsync(Wait));

        Assert.Contains("did not finish within 1 s", error.Message, StringComparison.Ordinal);
        Assert.False(node.IsCancellationRequested);
    }

    [Fact]
    public async Task Dialling_AServerThatNeverAnswers_TimesOut()
    {
        var (near, far, listener) = await PairAsync();
        using var _ = listener;
        using var __ = far;
        using var identity = NodeIdentity.CreateEphemeral();

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            TlsHandshake.ConnectAsync(new NetworkStream(near, ownsSocket: true), identity, null, Limit, CancellationToken.None).WaitAsync(Wait));

        Assert.Contains("did not finish within 1 s", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(Socket Near, Socket Far, TcpListener Listener)> PairAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var far = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await far.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var near = await listener.AcceptSocketAsync();
        return (near, far, listener);
    }
}
