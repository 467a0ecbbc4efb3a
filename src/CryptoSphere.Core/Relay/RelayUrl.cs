using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// <c>relay://HOST:PORT/?id=DEVICE-ID[&amp;token=…]</c>, the form strelaysrv prints at start. The id pins the
/// relay's certificate; it is required, so a node never talks to a relay it cannot tell from an impostor.
/// </summary>
public sealed record RelayUrl(string Host, int Port, SyncthingDeviceId RelayId, string Token)
{
    public static bool TryParse(string? text, out RelayUrl? url, out string error)
    {
        url = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "relay")
        {
            error = "a relay is given as relay://HOST:PORT/?id=DEVICE-ID";
            return false;
        }
        if (uri.IsDefaultPort || uri.Port is <= 0 or > 65535 || string.IsNullOrEmpty(uri.Host))
        {
            error = "the relay URL needs a host and a port (relay://HOST:PORT/?id=DEVICE-ID)";
            return false;
        }
        var query = QueryString.Parse(uri.Query);
        if (!query.TryGetValue("id", out var id) || string.IsNullOrEmpty(id))
        {
            error = "the relay URL needs ?id= with the relay's device ID (strelaysrv prints it as URI: at start)";
            return false;
        }
        // An id that is there but wrong is a typo or a truncated copy, not a missing id: say which.
        if (!SyncthingDeviceId.TryParse(id, out var relayId))
        {
            error = $"the relay URL's ?id= is not a valid device ID (expected 8 groups of 7 letters A-Z and digits 2-7, " +
                    "as strelaysrv prints it as URI: at start)";
            return false;
        }
        query.TryGetValue("token", out var token);
        url = new RelayUrl(uri.IdnHost, uri.Port, relayId, token ?? "");
        error = "";
        return true;
    }

    public static RelayUrl Parse(string text) =>
        TryParse(text, out var url, out var error) ? url! : throw new FormatException(error);

    /// <summary>The canonical form, also what is announced to discovery; the token stays out (it is a secret).</summary>
    public override string ToString() =>
        $"relay://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}/?id={RelayId}";
}
