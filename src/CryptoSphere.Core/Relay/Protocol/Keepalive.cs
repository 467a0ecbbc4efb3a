namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>The relay pings a joined client; a client that stops answering is dropped.</summary>
internal sealed record Ping : RelayMessage
{
    public override RelayMessageType Type => RelayMessageType.Ping;

    internal override void WriteBody(XdrWriter writer)
    {
    }
}

/// <summary>The answer to <see cref="Ping"/>; either side may also send one unasked to show it is alive.</summary>
internal sealed record Pong : RelayMessage
{
    public override RelayMessageType Type => RelayMessageType.Pong;

    internal override void WriteBody(XdrWriter writer)
    {
    }
}
