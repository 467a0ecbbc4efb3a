namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>First (and only) message on a session-mode connection: the key from a <see cref="SessionInvitation"/>.</summary>
internal sealed record JoinSessionRequest(byte[] Key) : RelayMessage
{
    public const int MaxKeyBytes = 32;

    public override RelayMessageType Type => RelayMessageType.JoinSessionRequest;

    internal override void WriteBody(XdrWriter writer) => writer.WriteOpaque(Key, MaxKeyBytes);

    internal static JoinSessionRequest Read(XdrReader reader) => new(reader.ReadOpaque(MaxKeyBytes));

    public bool Equals(JoinSessionRequest? other) => other is not null && Key.AsSpan().SequenceEqual(other.Key);

    public override int GetHashCode() => Key.Length;
}
