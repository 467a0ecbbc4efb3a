namespace CryptoSphere.Core.Relay;

/// <summary>
/// Which relay invitations the node takes: every one, under either <c>--accept</c>, up to a cap on sessions with
/// devices that are not trusted contacts (docs/protocol.md §18.3).
/// </summary>
/// <remarks>
/// A relayed session is TLS-authenticated end to end like a direct connection, and <c>--accept trusted</c> is applied
/// to what the peer then sends (its messages become a contact request), as for a stranger who connects directly.
/// Refusing strangers at the invitation, as before, left their messages queued as "offline" for days and never made
/// the contact request the option promises.
/// <para>
/// The cap stands in for the listener's per-address cap (<c>MaxConnectionsPerIp</c>): to this node every relayed
/// session is a connection to the relay, so without it a flood of invitations (device IDs cost nothing to make)
/// would take sockets and handshakes without bound. A session holds its place from the invitation until it ends, as
/// a direct connection holds its slot. Invitations from trusted contacts' devices are never counted, so a flood
/// from strangers cannot lock contacts out; the device an invitation names is only the relay's claim, which is why it
/// decides nothing more than the count (the handshake proves who the peer is).
/// </para>
/// </remarks>
internal sealed class RelayInvitationGate(int strangerCap)
{
    private int _strangers;

    /// <summary>Sessions with devices that are not trusted contacts, from invitation to end.</summary>
    public int Strangers => Volatile.Read(ref _strangers);

    public int StrangerCap => strangerCap;

    /// <summary>True when the invitation may be taken; then call <see cref="Exit"/> with the same flag when its session ends.</summary>
    public bool TryEnter(bool fromTrustedContact)
    {
        if (fromTrustedContact)
            return true;
        if (Interlocked.Increment(ref _strangers) <= strangerCap)
            return true;
        Interlocked.Decrement(ref _strangers);
        return false;
    }

    public void Exit(bool fromTrustedContact)
    {
        if (!fromTrustedContact)
            Interlocked.Decrement(ref _strangers);
    }
}
