using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>Asks the relay for a session with the joined client whose certificate hashes to <see cref="Id"/>.</summary>
internal sealed record ConnectRequest(byte[] Id) : RelayMessage
{
    public ConnectRequest(SyncthingDeviceId device) : this(device.Bytes.ToArray())
    {
    }

    public override RelayMessageType Type => RelayMessageType.ConnectRequest;

    internal override void WriteBody(XdrWriter writer) => writer.WriteOpaque(Id, SyncthingDeviceId.Length);

    internal static ConnectRequest Read(XdrReader reader) => new(reader.ReadOpaque(SyncthingDeviceId.Length));

    public bool Equals(ConnectRequest? other) => other is not null && Id.AsSpan().SequenceEqual(other.Id);

    public override int GetHashCode() => Id.Length;
}
