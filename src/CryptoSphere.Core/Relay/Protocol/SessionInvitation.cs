using System.Net;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>
/// Where and with which key to join a relay session with <see cref="From"/>. The side with
/// <see cref="ServerSocket"/> set plays the TLS server inside the session. An empty or unspecified
/// <see cref="Address"/> means "the relay's own address".
/// </summary>
public sealed record SessionInvitation(byte[] From, byte[] Key, byte[] Address, ushort Port, bool ServerSocket) : RelayMessage
{
    private const int MaxFieldBytes = 32;

    public override RelayMessageType Type => RelayMessageType.SessionInvitation;

    /// <summary>The other side's device ID as the relay saw it (a claim: our own handshake proves who it is).</summary>
    public SyncthingDeviceId? FromDevice => SyncthingDeviceId.TryFromBytes(From, out var id) ? id : null;

    /// <summary>The session address, or null when the relay left it for the client to fill in.</summary>
    public IPAddress? SessionAddress =>
        Address.Length is 4 or 16 && new IPAddress(Address) is var ip && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)
            ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)
            : null;

    internal override void WriteBody(XdrWriter writer)
    {
        writer.WriteOpaque(From, MaxFieldBytes);
        writer.WriteOpaque(Key, MaxFieldBytes);
        writer.WriteOpaque(Address, MaxFieldBytes);
        writer.WriteUInt16(Port);
        writer.WriteBool(ServerSocket);
    }

    internal static SessionInvitation Read(XdrReader reader) => new(
        reader.ReadOpaque(MaxFieldBytes),
        reader.ReadOpaque(MaxFieldBytes),
        reader.ReadOpaque(MaxFieldBytes),
        reader.ReadUInt16(),
        reader.ReadBool());

    public bool Equals(SessionInvitation? other) =>
        other is not null && From.AsSpan().SequenceEqual(other.From) && Key.AsSpan().SequenceEqual(other.Key) &&
        Address.AsSpan().SequenceEqual(other.Address) && Port == other.Port && ServerSocket == other.ServerSocket;

    public override int GetHashCode() => HashCode.Combine(Port, ServerSocket);

    // The key admits whoever holds it to the session: never print it.
    public override string ToString() => $"SessionInvitation {{ From = {FromDevice?.ToString() ?? "<invalid>"}, Address = {SessionAddress}, Port = {Port}, ServerSocket = {ServerSocket} }}";
}
