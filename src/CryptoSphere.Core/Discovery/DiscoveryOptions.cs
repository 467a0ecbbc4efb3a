using System.Net;

namespace CryptoSphere.Core.Discovery;

public sealed record DiscoveryOptions
{
    public bool Enabled { get; init; }

    public IPAddress Group { get; init; } = IPAddress.Parse("239.255.77.77");

    /// <summary>Also announce on this IPv6 group where the system has IPv6; null turns it off.</summary>
    public IPAddress? GroupV6 { get; init; } = IPAddress.Parse("ff02::7777:5377");

    public int Port { get; init; } = 5377;

    /// <summary>The local IPv4 address whose interface carries discovery; any (the system's choice) when null.</summary>
    public IPAddress? Interface { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Multicast hops: 1 stays on the LAN; 0 stays on this host (tests).</summary>
    public int TimeToLive { get; init; } = 1;

    public int MaxPerSourcePerMinute { get; init; } = 30;
}
