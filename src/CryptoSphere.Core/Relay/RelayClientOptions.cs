namespace CryptoSphere.Core.Relay;

public sealed class RelayClientOptions
{
    /// <summary>Connecting, the TLS handshake and each request/answer must finish within this.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>We ping the relay this often, which also keeps NAT mappings on the way open.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Nothing heard from the relay for this long (its own pings come every minute): rejoin.</summary>
    public TimeSpan SilenceTimeout { get; set; } = TimeSpan.FromSeconds(150);

    /// <summary>
    /// Reaching one peer through relays ends after this, however many relays are listed (null: three times
    /// <see cref="Timeout"/>, one relay's connect, invitation and join); see <see cref="AcrossNetworks.TryConnectAsync"/>.
    /// </summary>
    public TimeSpan? ReachLimit { get; set; }

    internal TimeSpan EffectiveReachLimit => ReachLimit ?? Timeout * 3;

    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(2);
}
