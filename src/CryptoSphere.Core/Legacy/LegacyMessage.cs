namespace CryptoSphere.Core.Legacy;

/// <summary>One message of the legacy (v0, plaintext) protocol, as decoded from one connection.</summary>
internal abstract record LegacyMessage(string SenderIp, int? SenderPort);

/// <summary>
/// A chat message. <see cref="SenderPort"/> is null when the header had no parsable port.
/// <see cref="InvalidUtf8"/>: the bytes were not valid UTF-8 and the bad sequences are shown as U+FFFD.
/// </summary>
internal sealed record LegacyChat(string SenderIp, int? SenderPort, string Team, string Text)
    : LegacyMessage(SenderIp, SenderPort)
{
    public bool InvalidUtf8 { get; init; }

    public bool IsConnectionRequest => Text == LegacyCodec.ConnectionRequestText;
}

/// <summary>The exact <c>&lt;ip:port&gt; DISCONNECT</c> form.</summary>
internal sealed record LegacyDisconnect(string SenderIp, int? SenderPort) : LegacyMessage(SenderIp, SenderPort);
