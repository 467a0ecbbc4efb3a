using System.Globalization;

namespace CryptoSphere.Core.Peers;

/// <summary>
/// Identifies a peer by the address its connection came from and the port it listens on.
/// </summary>
public readonly record struct PeerKey(string Host, int Port)
{
    // The default key stands for "no address known" (a sealed message from a mailbox whose author never
    // connected here): it must still print, since every event renderer writes the sender's address.
    public override string ToString() =>
        Host is null ? "no address" : Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

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
