using System.Globalization;

namespace CryptoSphere.Core.Peers;

/// <summary>
/// Identifies a peer by the address its connection came from and the port it listens on.
/// </summary>
public readonly record struct PeerKey(string Host, int Port) : ISpanFormattable
{
    // The default key stands for "no address known" (a sealed message from a mailbox whose author never
    // connected here): it must still print, since every event renderer writes the sender's address.
    public override string ToString()
    {
        Span<char> text = stackalloc char[128];
        if (TryFormat(text, out var written))
            return new string(text[..written]);
        var large = new char[Host.Length + 16]; // a host name longer than the stack buffer
        TryFormat(large, out written);
        return new string(large, 0, written);
    }

    /// <summary>The text <see cref="ToString"/> gives, without a string (event lines name an address per message).</summary>
    public bool TryFormat(Span<char> destination, out int written)
    {
        if (Host is null)
        {
            written = NoAddress.Length;
            return NoAddress.TryCopyTo(destination);
        }
        return Host.Contains(':')
            ? destination.TryWrite(CultureInfo.InvariantCulture, $"[{Host}]:{Port}", out written)
            : destination.TryWrite(CultureInfo.InvariantCulture, $"{Host}:{Port}", out written);
    }

    // HOST:PORT whatever the format: there is only one.
    bool ISpanFormattable.TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(destination, out charsWritten);

    string IFormattable.ToString(string? format, IFormatProvider? formatProvider) => ToString();

    private const string NoAddress = "no address";

    /// <summary>How an address is written in a key: IPv4-mapped IPv6 addresses as plain IPv4.</summary>
    public static string HostOf(System.Net.IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    /// <summary>Parses "host:port" or "[v6]:port".</summary>
    public static bool TryParse(string? text, out PeerKey key, out string error)
    {
        key = default;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "expected HOST:PORT";
            return false;
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            error = $"'{text}' has no port (expected HOST:PORT)";
            return false;
        }
        var host = text[..colon].Trim('[', ']');
        if (!PortRules.TryParse(text[(colon + 1)..], out var port, out error))
            return false;
        key = new PeerKey(host, port);
        return true;
    }
}
