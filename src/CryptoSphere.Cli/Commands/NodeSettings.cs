using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.GlobalDiscovery;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Cli.Commands;

/// <summary>The options every node-running command shares, and how they become <see cref="NodeOptions"/>.</summary>
internal sealed class NodeSettings
{
    public Option<string?> Name { get; } = new("--name", "-n")
    {
        Description = "Your display name (team name in the legacy protocol)",
    };

    public Option<int?> Port { get; } = new("--port", "-p")
    {
        Description = $"TCP port to listen on ({PortRules.Min}-{PortRules.Max}); the next free one is taken if it is in use",
        CustomParser = ParsePort,
    };

    public Option<IPAddress> Bind { get; } = new("--bind")
    {
        Description = "Address to listen on",
        DefaultValueFactory = _ => NodeOptions.Default.Bind,
        CustomParser = ParseAddress,
    };

    public Option<string?> AdvertiseIp { get; } = new("--advertise-ip")
    {
        Description = "IP written in outgoing message headers (default: the --bind address when it is one, else the detected LAN address)",
    };

    public Option<bool> StrictPort { get; } = new("--strict-port")
    {
        Description = "Fail if the port is in use instead of taking the next free one",
    };

    public Option<int> MaxMessageBytes { get; } = new("--max-message-bytes")
    {
        Description = "Largest legacy message accepted, in bytes",
        DefaultValueFactory = _ => NodeOptions.Default.MaxLegacyMessageBytes,
    };

    public Option<int> InactivitySeconds { get; } = new("--inactivity-timeout")
    {
        Description = "Seconds of silence after which a peer is dropped",
        DefaultValueFactory = _ => (int)NodeOptions.Default.InactivityTimeout.TotalSeconds,
    };

    public Option<int> ReadTimeoutSeconds { get; } = new("--read-timeout")
    {
        Description = "Seconds an incoming connection may stay silent before it is cut off",
        DefaultValueFactory = _ => (int)NodeOptions.Default.ReadTimeout.TotalSeconds,
    };

    public Option<int> Backlog { get; } = new("--backlog")
    {
        Description = "Listen backlog (pending connections the kernel queues)",
        DefaultValueFactory = _ => NodeOptions.Default.Backlog,
    };

    public Option<LogLevel> LogLevel { get; } = new("--log-level")
    {
        Description = "Diagnostics written to stderr: Trace, Debug, Information, Warning, Error, None",
        DefaultValueFactory = _ => Microsoft.Extensions.Logging.LogLevel.Warning,
    };

    public Option<string> DataDir { get; } = DataDirectory.CreateOption();

    public Option<bool> SecureOnly { get; } = new("--secure-only")
    {
        Description = "Neither accept nor send legacy (unencrypted, unverified) messages",
    };

    public Option<AcceptPolicy> Accept { get; } = new("--accept")
    {
        Description = "Who may deliver messages: open (anyone not blocked) or trusted (others become contact requests, directly or through a relay). Peer IDs only: legacy senders have none, see --secure-only and --legacy-allow",
        DefaultValueFactory = _ => NodeOptions.Default.Accept,
        CustomParser = ParseAccept,
    };

    public Option<IPAddress[]> LegacyAllow { get; } = new("--legacy-allow")
    {
        Description = "Only these IPs may send legacy messages (repeatable)",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = ParseAddresses,
    };

    public Option<IPAddress[]> LegacyDeny { get; } = new("--legacy-deny")
    {
        Description = "These IPs may not send legacy messages (repeatable)",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = ParseAddresses,
    };

    public Option<int> MaxFrameBytes { get; } = new("--max-frame-bytes")
    {
        Description = "Largest secure-protocol frame accepted, in bytes",
        DefaultValueFactory = _ => NodeOptions.Default.MaxFrameBytes,
    };

    public Option<int> MaxOutboxPerPeer { get; } = new("--max-outbox-per-peer")
    {
        Description = "Most messages one peer may have waiting in the outbox; more are refused and reported",
        DefaultValueFactory = _ => NodeOptions.Default.MaxOutboxPerPeer,
    };

    public Option<double> MaxMessageAgeDays { get; } = new("--max-message-age")
    {
        Description = "Days a message may wait in the outbox before it is given up and reported",
        DefaultValueFactory = _ => NodeOptions.Default.MaxMessageAge.TotalDays,
    };

    public Option<int> LegacyRetries { get; } = new("--legacy-retries")
    {
        Description = "Tries for a message to an old (legacy) peer that refuses, before it is marked failed",
        DefaultValueFactory = _ => NodeOptions.Default.LegacyRetries,
    };

    public Option<string?> Downloads { get; } = new("--downloads")
    {
        Description = "Folder for received files (default: downloads in the data directory, created owner-only); " +
                      "a received file never takes the name of one of the node's own files",
    };

    public Option<bool> AutoAcceptTrusted { get; } = new("--auto-accept-trusted")
    {
        Description = "Accept files from peers you trusted without asking",
    };

    public Option<long> MaxTransferBytes { get; } = new("--max-transfer-bytes")
    {
        Description = "Largest file accepted in one transfer, in bytes or with a unit: 500M, 4G (default 4G); bigger offers are refused",
        DefaultValueFactory = _ => NodeOptions.Default.MaxTransferBytes,
        CustomParser = ParseSize,
    };

    public Option<bool> NoDiscovery { get; } = new("--no-discovery")
    {
        Description = "Neither announce this node on the LAN nor listen for others' announcements (also: CRYPTOSPHERE_DISCOVERY=off)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CRYPTOSPHERE_DISCOVERY") == "off",
    };

    public Option<int> DiscoveryPort { get; } = new("--discovery-port")
    {
        Description = "UDP port of LAN discovery",
        DefaultValueFactory = _ => NodeOptions.Default.Discovery.Port,
    };

    public Option<IPAddress> DiscoveryGroup { get; } = new("--discovery-group")
    {
        Description = "IPv4 multicast group of LAN discovery",
        DefaultValueFactory = _ => NodeOptions.Default.Discovery.Group,
        CustomParser = ParseAddress,
    };

    public Option<IPAddress?> DiscoveryInterface { get; } = new("--discovery-interface")
    {
        Description = "Local IPv4 address of the interface discovery uses (default: the system's choice)",
        CustomParser = ParseAddress,
    };

    public Option<int> MaxConnectionsPerIp { get; } = new("--max-connections-per-ip")
    {
        Description = "Connections one address may hold open at once; more are closed at once",
        DefaultValueFactory = _ => NodeOptions.Default.MaxConnectionsPerIp,
    };

    public Option<RelayUrl?> Relay { get; } = new("--relay")
    {
        Description = "Relay to stay reachable through and to reach peers beyond the LAN: relay://HOST:PORT/?id=DEVICE-ID (none by default)",
        CustomParser = r => ParseAcross(r, text => AcrossNetworksOptions.TryParse(text, null, out var o, out var e) ? (o.Relay, e) : (null, e)),
    };

    public Option<DiscoveryServerUrl?> DiscoveryServer { get; } = new("--discovery-server")
    {
        Description = "Global discovery server to announce to and look peers up at: https://HOST:PORT/?id=DEVICE-ID (none by default)",
        CustomParser = r => ParseAcross(r, text => AcrossNetworksOptions.TryParse(null, text, out var o, out var e) ? (o.DiscoveryServer, e) : (null, e)),
    };

    public Option<int> MaxConnections { get; } = new("--max-connections")
    {
        Description = "Connections the node holds open at once, from everyone",
        DefaultValueFactory = _ => NodeOptions.Default.MaxConnections,
    };

    public Option<int> StrangerRate { get; } = new("--stranger-rate")
    {
        Description = "Messages per second a peer you have not trusted may deliver; over it, reading from it waits (0: unpaced)",
        DefaultValueFactory = _ => NodeOptions.Default.UntrustedMessagesPerSecond,
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Name, Port, Bind, AdvertiseIp, StrictPort, DataDir, SecureOnly, Accept, LegacyAllow, LegacyDeny,
                     NoDiscovery, DiscoveryPort, DiscoveryGroup, DiscoveryInterface, MaxMessageBytes, MaxFrameBytes, MaxOutboxPerPeer, MaxMessageAgeDays, LegacyRetries,
                     Downloads, AutoAcceptTrusted, MaxTransferBytes, Relay, DiscoveryServer,
                     MaxConnectionsPerIp, MaxConnections, StrangerRate, InactivitySeconds, ReadTimeoutSeconds, Backlog, LogLevel })
            command.Options.Add(option);
        OptionChecks.Positive(MaxMessageBytes);
        OptionChecks.Positive(InactivitySeconds);
        OptionChecks.Positive(ReadTimeoutSeconds);
        OptionChecks.Positive(Backlog);
        OptionChecks.Positive(MaxFrameBytes);
        OptionChecks.Positive(MaxConnectionsPerIp);
        OptionChecks.Positive(MaxConnections);
        OptionChecks.Positive(MaxOutboxPerPeer);
        OptionChecks.Positive(LegacyRetries);
        OptionChecks.Require(StrangerRate, v => v >= 0, "--stranger-rate must be 0 (unpaced) or a positive number of messages per second");
        OptionChecks.Require(MaxMessageAgeDays, v => v > 0, "--max-message-age must be a positive number of days");
        OptionChecks.IpAddress(AdvertiseIp);
        OptionChecks.DisplayName(Name);
        OptionChecks.Folder(Downloads);
    }

    /// <summary>
    /// The node these options describe, with the profile's identity and database; null (with the one-line error on
    /// stderr) when network.json is not valid or the node's other database (mailbox.db) cannot be opened.
    /// </summary>
    public ChatNode? CreateNode(ParseResult result, string name, int port, Profile profile, ILoggerFactory logs)
    {
        if (ToNodeOptions(result, name, port, profile) is not { } options)
            return null;
        try
        {
            return new(options, profile.Identity, profile.Store, logs);
        }
        catch (StorageException e)
        {
            Console.Error.WriteLine($"cryptosphere: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// network.json in the data directory, overridden per setting by --relay / --discovery-server. Null (with the
    /// one-line error on stderr) when the file is not valid: the node does not start with half its settings.
    /// </summary>
    public AcrossNetworksOptions? AcrossNetworks(ParseResult result, Profile profile)
    {
        if (!AcrossNetworksSettingsFile.TryLoad(profile.Directory, out var fromFile, out var error))
        {
            Console.Error.WriteLine($"cryptosphere: {error}");
            return null;
        }
        return fromFile.OverriddenBy(new AcrossNetworksOptions(result.GetValue(Relay), result.GetValue(DiscoveryServer)));
    }

    private static T? ParseAcross<T>(ArgumentResult result, Func<string, (T? Value, string Error)> parse) where T : class
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        var (value, error) = parse(text);
        if (value is null)
            result.AddError(error.Length > 0 ? $"Invalid {error}." : $"Invalid {(result.Parent as OptionResult)?.Option.Name}: a URL is expected.");
        return value;
    }

    public NodeOptions? ToNodeOptions(ParseResult result, string name, int port, Profile profile) =>
        AcrossNetworks(result, profile) is { } across ? ToNodeOptions(result, name, port, profile, across) : null;

    private NodeOptions ToNodeOptions(ParseResult result, string name, int port, Profile profile, AcrossNetworksOptions across) => NodeOptions.Default with
    {
        AcrossNetworks = across,
        Name = name,
        SecureOnly = result.GetValue(SecureOnly),
        Accept = result.GetValue(Accept),
        LegacyAllow = result.GetValue(LegacyAllow) ?? [],
        LegacyDeny = result.GetValue(LegacyDeny) ?? [],
        MaxFrameBytes = result.GetValue(MaxFrameBytes),
        MaxOutboxPerPeer = result.GetValue(MaxOutboxPerPeer),
        MaxMessageAge = TimeSpan.FromDays(result.GetValue(MaxMessageAgeDays)),
        LegacyRetries = result.GetValue(LegacyRetries),
        Discovery = NodeOptions.Default.Discovery with
        {
            Enabled = !result.GetValue(NoDiscovery),
            Port = result.GetValue(DiscoveryPort),
            Group = result.GetValue(DiscoveryGroup)!,
            Interface = result.GetValue(DiscoveryInterface),
        },
        Port = port,
        Bind = result.GetValue(Bind)!,
        AdvertiseIp = result.GetValue(AdvertiseIp),
        StrictPort = result.GetValue(StrictPort),
        MaxLegacyMessageBytes = result.GetValue(MaxMessageBytes),
        InactivityTimeout = TimeSpan.FromSeconds(result.GetValue(InactivitySeconds)),
        ReadTimeout = TimeSpan.FromSeconds(result.GetValue(ReadTimeoutSeconds)),
        Backlog = result.GetValue(Backlog),
        MaxConnectionsPerIp = result.GetValue(MaxConnectionsPerIp),
        MaxConnections = result.GetValue(MaxConnections),
        UntrustedMessagesPerSecond = result.GetValue(StrangerRate),
        // Unset: the node's default, downloads in the data directory (never the data directory itself).
        DownloadsDirectory = result.GetValue(Downloads) is { } downloads ? Path.GetFullPath(downloads) : null,
        AutoAcceptFromTrusted = result.GetValue(AutoAcceptTrusted),
        MaxTransferBytes = result.GetValue(MaxTransferBytes),
    };

    internal static int? ParsePort(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (PortRules.TryParse(text, out var port, out var error))
            return port;
        result.AddError($"Invalid port: {error}.");
        return null;
    }

    /// <summary>Bytes, or a number with a binary unit: K, M, G, T (KiB, MB... are read the same way).</summary>
    internal static long ParseSize(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
        var digits = text.TakeWhile(char.IsAsciiDigit).Count();
        var unit = text[digits..].Trim().ToUpperInvariant().Replace("IB", "").TrimEnd('B');
        var shift = unit switch { "" => 0, "K" => 10, "M" => 20, "G" => 30, "T" => 40, _ => -1 };
        if (digits > 0 && shift >= 0 && long.TryParse(text[..digits], out var number) && number > 0 && number <= long.MaxValue >> shift)
            return number << shift;
        result.AddError($"Invalid size '{text}': expected a positive number of bytes, optionally with K, M, G or T (e.g. 500M, 4G).");
        return 0;
    }

    private static AcceptPolicy ParseAccept(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Enum.TryParse<AcceptPolicy>(text, ignoreCase: true, out var policy) && !int.TryParse(text, out _))
            return policy;
        result.AddError($"Invalid --accept '{text}': expected open or trusted.");
        return AcceptPolicy.Open;
    }

    private static IPAddress[] ParseAddresses(ArgumentResult result)
    {
        var addresses = new List<IPAddress>();
        foreach (var token in result.Tokens)
        {
            if (IPAddress.TryParse(token.Value, out var address))
                addresses.Add(address);
            else
                result.AddError($"Invalid address '{token.Value}': expected an IP address.");
        }
        return addresses.ToArray();
    }

    private static IPAddress ParseAddress(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (IPAddress.TryParse(text, out var address))
            return address;
        result.AddError($"Invalid address '{text}': expected an IP address such as 0.0.0.0 or 127.0.0.1.");
        return IPAddress.Any;
    }
}
