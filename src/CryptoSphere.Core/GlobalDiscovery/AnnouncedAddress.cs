using System.Net;
using CryptoSphere.Core.Relay;

namespace CryptoSphere.Core.GlobalDiscovery;

/// <summary>
/// The address URLs a node announces: <c>cryptosphere://IP:PORT</c> for its own listener (a scheme of its own, so
/// no Syncthing client mistakes it for BEP) and the <c>relay://…</c> URL of the relay it is joined to.
/// </summary>
internal static class AnnouncedAddress
{
    public const string DirectScheme = "cryptosphere";

    public static string Direct(IPEndPoint endPoint) => $"{DirectScheme}://{endPoint}";

    public static bool TryParseDirect(string address, out IPEndPoint? endPoint)
    {
        endPoint = null;
        return Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme == DirectScheme &&
               IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && uri.Port is > 0 and <= 65535 &&
               (endPoint = new IPEndPoint(ip, uri.Port)) is not null;
    }

    public static bool TryParseRelay(string address, out RelayUrl? relay) => RelayUrl.TryParse(address, out relay, out _);
}
