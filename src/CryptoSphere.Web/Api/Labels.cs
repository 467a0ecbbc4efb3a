using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Web.Api;

/// <summary>The words the page shows, the same ones the terminal uses (trust labels: Core/Trust/TrustLabels.cs).</summary>
internal static class Labels
{
    public static string Protocol(PeerProtocol protocol) => protocol == PeerProtocol.Legacy ? "legacy" : "secure";

    public static string State(MessageState state) => state.ToString().ToLowerInvariant();

    /// <summary>The grouped form of a stored ID ("RW5MCGU-7337OMI-…"); the text as is when it is not one.</summary>
    public static string? Id(string? value) => value is null ? null : PeerId.TryParse(value, out var id) ? id.ToString() : value;

    public static string? Short(string? value) => value is null ? null : PeerId.TryParse(value, out var id) ? id.Short : value;
}
