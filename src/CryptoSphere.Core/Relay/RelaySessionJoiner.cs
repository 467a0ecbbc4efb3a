using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Relay.Protocol;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// Session mode: a plain TCP connection to the address in an invitation, one JoinSessionRequest with its key,
/// and after the relay's success response every byte goes to the other side unchanged.
/// </summary>
internal static class RelaySessionJoiner
{
    /// <param name="relayAddress">Used when the invitation leaves the address unspecified (the relay's own address).</param>
    public static async Task<RelaySession> JoinAsync(
        SessionInvitation invitation, RelayUrl relay, IPAddress relayAddress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var address = invitation.SessionAddress ?? relayAddress;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var client = new TcpClient(address.AddressFamily) { NoDelay = true };
        try
        {
            await client.ConnectAsync(address, invitation.Port, deadline.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await RelayMessageCodec.WriteAsync(stream, new JoinSessionRequest(invitation.Key), deadline.Token).ConfigureAwait(false);
            switch (await RelayMessageCodec.ReadAsync(stream, deadline.Token).ConfigureAwait(false))
            {
                case RelayResponse { IsSuccess: true }:
                    return new RelaySession(stream, invitation, relay, new IPEndPoint(address, invitation.Port));
                case RelayResponse refused:
                    throw new RelayRefusedException(refused.Code, refused.Message);
                case var other:
                    throw new RelayProtocolException($"expected a response to the session join, got {other.Type}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new TimeoutException($"joining the relay session at {address}:{invitation.Port} took over {timeout.TotalSeconds:0.#} s");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
