using CryptoSphere.Core.Relay.Protocol;

namespace CryptoSphere.Core.Relay;

/// <summary>The relay answered a join or connect request with an error code (e.g. 1: the peer is not joined).</summary>
internal sealed class RelayRefusedException(int code, string reason)
    : Exception($"the relay refused: {Sanitize(reason)} (code {code})")
{
    public int Code { get; } = code;

    public bool PeerNotJoined => Code == RelayResponse.NotFound;

    // The reason comes from the network: keep it printable before it can reach a terminal.
    private static string Sanitize(string text) =>
        new(text.Take(120).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
