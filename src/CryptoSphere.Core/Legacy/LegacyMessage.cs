namespace CryptoSphere.Core.Legacy;

/// <summary>One message of the legacy (v0, plaintext) protocol, as decoded from one connection.</summary>
internal abstract record LegacyMessage(string SenderIp, int? SenderPort);

/// <summary>A chat message. <see cref="SenderPort"/> is null when the header had no parsable port.</summary>
internal sealed record LegacyChat(string SenderIp, int? SenderPort, string Team, string Text)
    : LegacyMessage(SenderIp, SenderPort)
{
    public bool IsConnectionRequest => Text == LegacyCodec.ConnectionRequestText;
}

/// <summary>The exact <c>&lt;ip:port&gt; DISCONNECT</c> form.</summary>
internal sealed record LegacyDisconnect(string SenderIp, int? SenderPort) : LegacyMessage(SenderIp, SenderPort);
