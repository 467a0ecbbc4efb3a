namespace CryptoSphere.Web.Hosting;

/// <summary>Where the page can be opened, known once Kestrel has bound its port.</summary>
internal sealed class WebAddresses
{
    /// <summary>For a browser on this machine.</summary>
    public Uri? Local { get; set; }

    /// <summary>For a phone on the same network; null while the interface listens on loopback only.</summary>
    public Uri? Network { get; set; }
}
