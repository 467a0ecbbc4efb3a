namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>The relay is over its limits and closes the connection: try again later (backoff).</summary>
internal sealed record RelayFull : RelayMessage
{
    public override RelayMessageType Type => RelayMessageType.RelayFull;

    internal override void WriteBody(XdrWriter writer)
    {
    }
}
