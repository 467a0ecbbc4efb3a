using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Relay.Protocol;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Relay;

/// <summary>
/// A relay double that speaks the protocol faithfully but lies: whoever a client asks for, it obtains a session
/// with <c>victim</c> from the real relay behind it and hands that invitation over. Its own certificate is the
/// one the client's URL pins, so only our end-to-end handshake can notice.
/// </summary>
internal sealed class LyingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly NodeIdentity _identity = NodeIdentity.CreateEphemeral();
    private readonly NodeIdentity _asClient = NodeIdentity.CreateEphemeral();
    private readonly SyncthingServer _real;
    private readonly SyncthingDeviceId _victim;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private LyingRelay(SyncthingServer real, SyncthingDeviceId victim)
    {
        _real = real;
        _victim = victim;
    }

    public RelayUrl Url => RelayUrl.Parse(
        $"relay://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/?id={SyncthingDeviceId.FromCertificate(_identity.Certificate)}");

    public int Requests { get; private set; }

    public static Task<LyingRelay> StartAsync(SyncthingServer real, SyncthingDeviceId victim)
    {
        var liar = new LyingRelay(real, victim);
        liar._listener.Start();
        liar._loop = liar.ServeAsync();
        return Task.FromResult(liar);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            using (client)
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _identity.Certificate,
                    ApplicationProtocols = [new SslApplicationProtocol(RelayTls.Alpn)],
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }, _stop.Token);
                if (await RelayMessageCodec.ReadAsync(tls, _stop.Token) is not ConnectRequest)
                    continue;
                Requests++;
                var invitation = await RequestFromRealRelayAsync();
                await RelayMessageCodec.WriteAsync(tls, invitation, _stop.Token);
            }
        }
    }

    // One protocol-mode exchange with the real relay, as the double itself: an invitation to the victim.
    private async Task<SessionInvitation> RequestFromRealRelayAsync()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _real.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "relay",
            ClientCertificateContext = SslStreamCertificateContext.Create(_asClient.Certificate, null, offline: true),
            ApplicationProtocols = [new SslApplicationProtocol(RelayTls.Alpn)],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        await RelayMessageCodec.WriteAsync(tls, new ConnectRequest(_victim), _stop.Token);
        return (SessionInvitation)await RelayMessageCodec.ReadAsync(tls, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (_loop is not null)
            await _loop.ContinueWith(_ => { });
        _identity.Dispose();
        _asClient.Dispose();
    }
}
