using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace CryptoSphere.Tests.Faults;

/// <summary>
/// Networks the way the internet joins them, made of namespaces this test creates: a "public" namespace with a
/// bridge (where the relay and discovery servers run), and private networks, each behind a router namespace that
/// masquerades (nftables NAT) out of its <c>wan</c> interface and drops connections started from outside, as a
/// home router does. Hosts sit on the router's LAN bridge with a default route through it. Nothing is added to
/// the real network namespace; disposing deletes every namespace (and with them every link), even after a failure.
/// </summary>
internal sealed partial class NatLab : IAsyncDisposable
{
    public const string HostInterface = "eth0";
    private const string Wan = "wan";
    private const string LanBridge = "br0";

    private readonly List<string> _created = [];
    private readonly List<char> _networks = [];
    private readonly Action<string> _log;
    private readonly int _public;
    private readonly int _private;

    private NatLab(Action<string> log)
    {
        _log = log;
        Prefix = "cs-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        // 198.18.0.0/15 is reserved for network tests: it can never be someone's real address.
        _public = RandomNumberGenerator.GetInt32(1, 250);
        _private = RandomNumberGenerator.GetInt32(64, 250);
    }

    /// <summary>cs-&lt;6 hex&gt;, unique per lab: every namespace name starts with it.</summary>
    public string Prefix { get; }

    public string PublicNamespace => $"{Prefix}-pub";

    /// <summary>The public namespace's own address, where its servers listen.</summary>
    public string PublicAddress => $"198.18.{_public}.1";

    public string RouterNamespace(char network) => $"{Prefix}-r{network}";

    /// <summary>The router's outside address: what every host of its network looks like from the public side.</summary>
    public string RouterPublicAddress(char network) => $"198.18.{_public}.{10 + _networks.IndexOf(network)}";

    public string HostNamespace(char network, int host) => $"{Prefix}-{network}{host}";

    /// <summary>Each private network is 10.X.N.0/24 (N its index): the hosts' addresses mean nothing outside it.</summary>
    public string HostAddress(char network, int host) => $"10.{_private}.{_networks.IndexOf(network)}.{host + 1}";

    /// <summary>
    /// Builds the public namespace and one NATed network per entry with that many hosts (numbered from 1); null
    /// with the reason when this machine cannot (not root, no namespaces, no nft).
    /// </summary>
    public static async Task<(NatLab? Lab, string? Unavailable)> TryCreateAsync(IReadOnlyList<(char Network, int Hosts)> networks, Action<string> log)
    {
        if (!OperatingSystem.IsLinux())
            return (null, "network namespaces need Linux");
        if (!Environment.IsPrivilegedProcess)
            return (null, "creating network namespaces needs root (CI runs the suite as root)");
        var lab = new NatLab(log);
        try
        {
            var (ok, error) = await lab.TryRunAsync("ip", "netns", "add", lab.PublicNamespace);
            if (!ok)
                return (null, $"'ip netns add' failed: {error}");
            lab._created.Add(lab.PublicNamespace);
            await lab.PrepareAsync(lab.PublicNamespace);
            await lab.IpAsync("-n", lab.PublicNamespace, "link", "add", LanBridge, "type", "bridge");
            await lab.IpAsync("-n", lab.PublicNamespace, "addr", "add", $"{lab.PublicAddress}/24", "dev", LanBridge);
            await lab.IpAsync("-n", lab.PublicNamespace, "link", "set", LanBridge, "up");
            foreach (var (network, hosts) in networks)
                await lab.AddNetworkAsync(network, hosts);
            return (lab, null);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await lab.DisposeAsync();
            return (null, $"could not build the NAT networks: {e.Message}");
        }
    }

    private async Task AddNetworkAsync(char network, int hosts)
    {
        _networks.Add(network);
        var router = RouterNamespace(network);
        await AddNamespaceAsync(router);
        // The router's outside leg, on the public bridge.
        var port = $"r-{network}";
        await IpAsync("-n", PublicNamespace, "link", "add", port, "type", "veth", "peer", "name", Wan, "netns", router);
        await IpAsync("-n", PublicNamespace, "link", "set", port, "master", LanBridge);
        await IpAsync("-n", PublicNamespace, "link", "set", port, "up");
        await IpAsync("-n", router, "addr", "add", $"{RouterPublicAddress(network)}/24", "dev", Wan);
        await IpAsync("-n", router, "link", "set", Wan, "up");
        // Its LAN: a bridge with the gateway address.
        var gateway = HostAddress(network, 0);
        await IpAsync("-n", router, "link", "add", LanBridge, "type", "bridge", "mcast_snooping", "0");
        await IpAsync("-n", router, "addr", "add", $"{gateway}/24", "dev", LanBridge);
        await IpAsync("-n", router, "link", "set", LanBridge, "up");
        await RunAsync("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        // Masquerade out of wan; from outside only answers to what the LAN started; count what leaves the LAN.
        await RunAsync(["ip", "netns", "exec", router, "nft", "-f", "-"], stdin: $$"""
            table ip cryptosphere_lab {
              counter lan_out { }
              chain nat_out { type nat hook postrouting priority srcnat; policy accept; oifname "{{Wan}}" masquerade; }
              chain lan_forward {
                type filter hook forward priority filter; policy accept;
                oifname "{{Wan}}" counter name "lan_out"
                iifname "{{Wan}}" ct state established,related accept
                iifname "{{Wan}}" drop
              }
            }
            """);
        for (var host = 1; host <= hosts; host++)
        {
            var ns = HostNamespace(network, host);
            await AddNamespaceAsync(ns);
            var leg = $"h-{host}";
            await IpAsync("-n", router, "link", "add", leg, "type", "veth", "peer", "name", HostInterface, "netns", ns);
            await IpAsync("-n", router, "link", "set", leg, "master", LanBridge);
            await IpAsync("-n", router, "link", "set", leg, "up");
            await IpAsync("-n", ns, "addr", "add", $"{HostAddress(network, host)}/24", "dev", HostInterface);
            await IpAsync("-n", ns, "link", "set", HostInterface, "up");
            await IpAsync("-n", ns, "route", "add", "default", "via", gateway);
            await IpAsync("-n", ns, "route", "add", "224.0.0.0/4", "dev", HostInterface);
        }
    }

    private async Task AddNamespaceAsync(string ns)
    {
        await IpAsync("netns", "add", ns);
        _created.Add(ns);
        await PrepareAsync(ns);
    }

    // Loopback up; no IPv6, whose link-local chatter (router solicitations, MLD) is not what the counters are about.
    private async Task PrepareAsync(string ns)
    {
        await IpAsync("-n", ns, "link", "set", "lo", "up");
        await RunAsync("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
    }

    /// <summary>
    /// The router forwards TCP <paramref name="port"/> on its outside address to that host, as a user opening a port
    /// on a home router does: connections from outside to it are let in from now on.
    /// </summary>
    public async Task OpenPortForwardAsync(char network, int host, int port)
    {
        var router = RouterNamespace(network);
        await RunAsync("ip", "netns", "exec", router, "nft", "insert", "rule", "ip", "cryptosphere_lab", "lan_forward",
            "iifname", Wan, "ct", "status", "dnat", "accept");
        await RunAsync(["ip", "netns", "exec", router, "nft", "-f", "-"], stdin: $$"""
            table ip cryptosphere_forward {
              chain port_forward { type nat hook prerouting priority dstnat; policy accept; iifname "{{Wan}}" tcp dport {{port}} dnat to {{HostAddress(network, host)}}:{{port}}; }
            }
            """);
    }

    /// <summary>Packets the router forwarded from its LAN to the outside since it was built.</summary>
    public async Task<long> PacketsLeftAsync(char network)
    {
        var listing = await RunAsync("ip", "netns", "exec", RouterNamespace(network), "nft", "list", "counter", "ip", "cryptosphere_lab", "lan_out");
        var match = PacketsLine().Match(listing);
        return match.Success ? long.Parse(match.Groups[1].Value) : throw new InvalidOperationException($"no packet count in: {listing}");
    }

    /// <summary>True once something listens on TCP <paramref name="port"/> in <paramref name="ns"/>.</summary>
    public async Task<bool> ListensAsync(string ns, int port) =>
        (await TryRunAsync(["ip", "netns", "exec", ns, "ss", "-Hltn", $"sport = :{port}"])).Output.Length > 0;

    public Task<string> IpAsync(params string[] args) => RunAsync(["ip", .. args]);

    public Task<string> RunAsync(params string[] command) => RunAsync(command, stdin: null);

    private async Task<string> RunAsync(string[] command, string? stdin)
    {
        var (ok, output) = await TryRunAsync(command, stdin);
        if (!ok)
            throw new InvalidOperationException($"{string.Join(' ', command)}: {output}");
        return output;
    }

    private Task<(bool Ok, string Output)> TryRunAsync(params string[] command) => TryRunAsync(command, null);

    private Task<(bool Ok, string Output)> TryRunAsync(string[] command, string? stdin) => LabCommand.TryRunAsync(command, stdin, _log);

    public async ValueTask DisposeAsync()
    {
        // Deleting a namespace deletes its links, and a veth pair goes with either of its ends.
        foreach (var ns in Enumerable.Reverse(_created))
        {
            var (ok, error) = await TryRunAsync("ip", "netns", "del", ns);
            if (!ok)
                _log($"could not delete namespace {ns}: {error}");
        }
        _created.Clear();
    }

    [GeneratedRegex(@"packets (\d+)")]
    private static partial Regex PacketsLine();
}
