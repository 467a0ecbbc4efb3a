using CryptoSphere.Core.GlobalDiscovery;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// The servers a node may use to reach peers beyond its LAN. Both are empty unless the user names them
/// (command line or <see cref="AcrossNetworksSettingsFile"/>): by default no outside server is contacted.
/// </summary>
public sealed record AcrossNetworksOptions(RelayUrl? Relay = null, DiscoveryServerUrl? DiscoveryServer = null)
{
    public static readonly AcrossNetworksOptions LanOnly = new();

    public bool IsConfigured => Relay is not null || DiscoveryServer is not null;

    /// <summary>Parses the two settings as typed; null or blank leaves a server out. One-line errors.</summary>
    public static bool TryParse(string? relay, string? discoveryServer, out AcrossNetworksOptions options, out string error)
    {
        options = LanOnly;
        RelayUrl? relayUrl = null;
        DiscoveryServerUrl? discoveryUrl = null;
        if (!string.IsNullOrWhiteSpace(relay) && !RelayUrl.TryParse(relay.Trim(), out relayUrl, out error))
        {
            error = $"--relay: {error}";
            return false;
        }
        if (!string.IsNullOrWhiteSpace(discoveryServer) && !DiscoveryServerUrl.TryParse(discoveryServer.Trim(), out discoveryUrl, out error))
        {
            error = $"--discovery-server: {error}";
            return false;
        }
        options = new AcrossNetworksOptions(relayUrl, discoveryUrl);
        error = "";
        return true;
    }

    /// <summary>Command-line values win over the file's, each setting on its own.</summary>
    public AcrossNetworksOptions OverriddenBy(AcrossNetworksOptions commandLine) =>
        new(commandLine.Relay ?? Relay, commandLine.DiscoveryServer ?? DiscoveryServer);
}
