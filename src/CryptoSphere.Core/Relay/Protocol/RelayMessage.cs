namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>One relay protocol message; <see cref="RelayMessageCodec"/> adds and checks the header.</summary>
public abstract record RelayMessage
{
    public abstract RelayMessageType Type { get; }

    internal abstract void WriteBody(XdrWriter writer);
}
