using System.Text;

namespace CryptoSphere.Core.Legacy;

/// <summary>
/// Pure encoder and decoder for the legacy protocol (see shared legacy-protocol.md):
/// exact in what it writes, tolerant in what it reads.
/// </summary>
internal static class LegacyCodec
{
    public const string ConnectionRequestText = "CONNECTION_REQUEST";
    public const string EndMarker = "<end>";
    private const string TeamSeparator = "> @ <";
    private const string DisconnectSuffix = "> DISCONNECT";

    // Strict first, so a message that needed repair is known and labelled as such.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    // An old peer's invalid bytes are shown as U+FFFD rather than the message being dropped: the user sees it arrived.
    private static readonly UTF8Encoding LenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    // The name never ends the header early (LegacyNames.ForHeader): a newline in it would start a fake message text.
    public static byte[] EncodeChat(string senderIp, int senderPort, string team, string text) =>
        StrictUtf8.GetBytes($"<{senderIp}:{senderPort}> @ <{LegacyNames.ForHeader(team)}>\n{text}\n{EndMarker}");

    public static byte[] EncodeDisconnect(string senderIp, int senderPort) =>
        StrictUtf8.GetBytes($"<{senderIp}:{senderPort}> DISCONNECT");

    public static LegacyDecodeResult Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return LegacyDecodeResult.Fail("empty connection");

        string raw;
        var repaired = false;
        try
        {
            raw = StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException)
        {
            raw = LenientUtf8.GetString(data);
            repaired = true;
        }

        if (raw[0] != '<')
            return LegacyDecodeResult.Fail("no '<ip:port>' header");

        var disconnect = TryDecodeDisconnect(raw);
        if (disconnect is not null)
            return LegacyDecodeResult.Ok(disconnect);

        var chat = DecodeChat(raw);
        return repaired && chat.Message is LegacyChat repairedChat
            ? LegacyDecodeResult.Ok(repairedChat with { InvalidUtf8 = true })
            : chat;
    }

    // Spans until the end: only the fields kept become strings (a message arrives per connection, each one used to
    // cost a string per slice).
    private static LegacyDisconnect? TryDecodeDisconnect(string raw)
    {
        var trimmed = raw.AsSpan().TrimEnd(Whitespace);
        if (!trimmed.EndsWith(DisconnectSuffix, StringComparison.Ordinal))
            return null;
        var address = trimmed[1..^DisconnectSuffix.Length];
        if (address.IndexOfAny('<', '>', '\n') >= 0)
            return null;
        var (ip, port) = SplitAddress(address);
        return new LegacyDisconnect(ip, port);
    }

    private static LegacyDecodeResult DecodeChat(string raw)
    {
        var newline = raw.IndexOf('\n');
        if (newline < 0)
            return LegacyDecodeResult.Fail("header without a newline");

        var header = raw.AsSpan(0, newline).TrimEnd('\r');
        var separator = header.IndexOf(TeamSeparator, StringComparison.Ordinal);
        if (separator < 0 || !header.EndsWith('>'))
            return LegacyDecodeResult.Fail("malformed header (expected '<ip:port> @ <team>')");

        var (ip, port) = SplitAddress(header[1..separator]);
        var team = header[(separator + TeamSeparator.Length)..^1].ToString();
        var text = ExtractText(raw.AsSpan(newline + 1)).ToString();
        return LegacyDecodeResult.Ok(new LegacyChat(ip, port, team, text));
    }

    private const string Whitespace = "\r\n \t";

    // The text ends at the last "\n<end>"; a sender that closed without the marker is tolerated.
    private static ReadOnlySpan<char> ExtractText(ReadOnlySpan<char> body)
    {
        var trimmed = body.TrimEnd(Whitespace);
        if (trimmed.EndsWith(EndMarker, StringComparison.Ordinal))
        {
            var text = trimmed[..^EndMarker.Length];
            if (text.EndsWith('\n')) text = text[..^1];
            return text.EndsWith('\r') ? text[..^1] : text;
        }
        return body.EndsWith('\n') ? body[..^1] : body;
    }

    private static (string Ip, int? Port) SplitAddress(ReadOnlySpan<char> address)
    {
        var colon = address.LastIndexOf(':');
        if (colon < 0)
            return (address.ToString(), null);
        var ip = address[..colon].ToString();
        return int.TryParse(address[(colon + 1)..], System.Globalization.NumberStyles.None, null, out var port)
               && port is > 0 and <= 65535
            ? (ip, port)
            : (ip, null);
    }
}
