namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>
/// Sent on the protocol-mode connection to stay reachable through the relay. Relays before Syncthing 1.2x had
/// no token and read an empty body; newer ones read an empty body as "no token", so none is sent unless set.
/// </summary>
internal sealed record JoinRelayRequest(string Token = "") : RelayMessage
{
    public const int MaxTokenBytes = 256;

    public override RelayMessageType Type => RelayMessageType.JoinRelayRequest;

    internal override void WriteBody(XdrWriter writer)
    {
        if (Token.Length > 0)
            writer.WriteOpaque(System.Text.Encoding.UTF8.GetBytes(Token), MaxTokenBytes);
    }

    internal static JoinRelayRequest Read(XdrReader reader, int length) =>
        length == 0 ? new JoinRelayRequest() : new JoinRelayRequest(reader.ReadString(MaxTokenBytes));
}
