using System.Net;

namespace CryptoSphere.Web;

/// <summary>Where the web interface listens. Loopback by default: anything else exposes the chat to the network.</summary>
public sealed class WebOptions
{
    public const int DefaultPort = 8080;

    public IPAddress Bind { get; set; } = IPAddress.Loopback;

    /// <summary>0 lets the system choose (tests).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Fail instead of taking the next free port.</summary>
    public bool StrictPort { get; set; }

    public int MaxPortTries { get; set; } = 20;

    /// <summary>
    /// The host written in the printed URL when <see cref="Bind"/> is a wildcard address
    /// (the node's advertised LAN address, so a phone can open it).
    /// </summary>
    public string? PublicHost { get; set; }

    /// <summary>Fixed token (tests only); by default a new random one per start.</summary>
    internal string? Token { get; set; }

    public bool IsLoopbackOnly => IPAddress.IsLoopback(Bind);
}
