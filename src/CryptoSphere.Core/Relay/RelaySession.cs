using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay.Protocol;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// A joined relay session: a plain byte pipe to the other side. Run the normal secure handshake over
/// <see cref="Stream"/>, as TLS server when <see cref="IsTlsServer"/>, and check the peer ID it proves:
/// <see cref="ClaimedDevice"/> is only what the relay says.
/// </summary>
public sealed class RelaySession(Stream stream, SessionInvitation invitation, RelayUrl relay, System.Net.IPEndPoint relayEndPoint) : IAsyncDisposable
{
    public Stream Stream { get; } = stream;

    /// <summary>The relay's session address this connection goes to (not the peer's).</summary>
    public System.Net.IPEndPoint RelayEndPoint { get; } = relayEndPoint;

    public RelayUrl Relay { get; } = relay;

    public bool IsTlsServer => invitation.ServerSocket;

    public SyncthingDeviceId? ClaimedDevice => invitation.FromDevice;

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
