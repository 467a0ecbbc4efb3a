using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay;

namespace CryptoSphere.Core.GlobalDiscovery;

/// <summary>
/// <c>https://HOST:PORT/?id=DEVICE-ID</c>, as stdiscosrv prints its ID at start. With the id, the server's
/// certificate must hash to it (self-signed servers); without it, the usual CA validation applies.
/// </summary>
public sealed record DiscoveryServerUrl(Uri BaseAddress, SyncthingDeviceId? ServerId)
{
    public static bool TryParse(string? text, out DiscoveryServerUrl? url, out string error)
    {
        url = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || string.IsNullOrEmpty(uri.Host))
        {
            error = "a discovery server is given as https://HOST:PORT/?id=DEVICE-ID";
            return false;
        }
        SyncthingDeviceId? serverId = null;
        if (QueryString.Parse(uri.Query).TryGetValue("id", out var id))
        {
            if (!SyncthingDeviceId.TryParse(id, out var parsed))
            {
                error = "the discovery server's ?id= is not a device ID (stdiscosrv prints it as 'Server device ID is' at start)";
                return false;
            }
            serverId = parsed;
        }
        url = new DiscoveryServerUrl(new UriBuilder(uri) { Query = "", Fragment = "" }.Uri, serverId);
        error = "";
        return true;
    }

    public static DiscoveryServerUrl Parse(string text) =>
        TryParse(text, out var url, out var error) ? url! : throw new FormatException(error);

    public override string ToString() => ServerId is { } id ? $"{BaseAddress}?id={id}" : BaseAddress.ToString();
}
