using System.Net.Security;
using System.Threading.Channels;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay;

namespace CryptoSphere.Tests.Relay;

/// <summary>
/// A test participant behind a relay: its identity, a client joined to the relay, and every invitation it gets
/// taken into a session over which it runs our handshake as the invitation says (TLS server).
/// </summary>
internal sealed class RelayPeer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private RelayPeer(NodeIdentity identity, RelayClient client)
    {
        Identity = identity;
        Client = client;
        Client.Invited += invitation => _ = Task.Run(async () =>
        {
            try
            {
                var session = await Client.AcceptAsync(invitation, CancellationToken.None);
                var secured = await RelaySecureHandshake.RunAsync(session, Identity, expected: null, Timeout, CancellationToken.None);
                await Accepted.Writer.WriteAsync(secured);
            }
            catch (Exception e)
            {
                await Failures.Writer.WriteAsync(e);
            }
        });
    }

    public NodeIdentity Identity { get; }

    public RelayClient Client { get; }

    public SyncthingDeviceId Device => SyncthingDeviceId.FromCertificate(Identity.Certificate);

    /// <summary>Handshakes completed on invitations: the stream and the peer ID the other side proved.</summary>
    public Channel<(SslStream Stream, PeerId Remote)> Accepted { get; } = Channel.CreateUnbounded<(SslStream, PeerId)>();

    public Channel<Exception> Failures { get; } = Channel.CreateUnbounded<Exception>();

    public static async Task<RelayPeer> StartAsync(string relayUrl, RelayClientOptions? options = null)
    {
        var identity = NodeIdentity.CreateEphemeral();
        var peer = new RelayPeer(identity, new RelayClient(RelayUrl.Parse(relayUrl), identity, options));
        peer.Client.Start();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await peer.Client.WaitJoinedAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"not joined within {Timeout.TotalSeconds} s: {peer.Client.LastError}");
        }
        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        while (Accepted.Reader.TryRead(out var accepted))
            await accepted.Stream.DisposeAsync();
        Identity.Dispose();
    }
}
