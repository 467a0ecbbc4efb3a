using System.Security.Cryptography;

namespace CryptoSphere.Tests.Faults;

/// <summary>
/// A private Linux network made of namespaces this test creates: one namespace per host, each with a veth
/// pair to a bridge in a namespace of its own. Nothing is added to the real network namespace: every
/// command runs with <c>ip -n NS</c>, and disposing deletes the namespaces (and with them the links).
/// </summary>
internal sealed class NetnsLab : IAsyncDisposable
{
    /// <summary>The host's interface inside each host namespace.</summary>
    public const string HostInterface = "eth0";

    private readonly List<string> _created = [];
    private readonly Action<string> _log;

    private NetnsLab(string prefix, string subnet, Action<string> log)
    {
        Prefix = prefix;
        Subnet = subnet;
        _log = log;
    }

    /// <summary>cs-&lt;6 hex&gt;, unique per run.</summary>
    public string Prefix { get; }

    /// <summary>The first three octets of the private /24, e.g. "10.77.42".</summary>
    public string Subnet { get; }

    public string Bridge => $"{Prefix}-br";

    public string HostNamespace(char host) => $"{Prefix}-{host}";

    public string Address(int index) => $"{Subnet}.{index + 1}";

    /// <summary>
    /// Creates the namespaces, the bridge and one linked host per name; returns null with the reason when this
    /// machine cannot (not Linux, not root, no <c>ip</c>, no namespaces or veth/bridge support).
    /// </summary>
    public static async Task<(NetnsLab? Lab, string? Unavailable)> TryCreateAsync(IReadOnlyList<char> hosts, Action<string> log)
    {
        if (!OperatingSystem.IsLinux())
            return (null, "network namespaces need Linux");
        if (!Environment.IsPrivilegedProcess)
            return (null, "creating network namespaces needs root (CI runs the suite as root)");

        var prefix = "cs-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var lab = new NetnsLab(prefix, $"10.{RandomNumberGenerator.GetInt32(64, 250)}.{RandomNumberGenerator.GetInt32(1, 250)}", log);
        try
        {
            var (ok, error) = await lab.TryIpAsync("netns", "add", lab.Bridge);
            if (!ok)
                return (null, $"'ip netns add' failed: {error}");
            lab._created.Add(lab.Bridge);
            await lab.IpAsync("-n", lab.Bridge, "link", "set", "lo", "up");
            // No IGMP snooping: without a querier it would make multicast depend on timing after a link flap.
            await lab.IpAsync("-n", lab.Bridge, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
            await lab.IpAsync("-n", lab.Bridge, "link", "set", "br0", "up");
            for (var i = 0; i < hosts.Count; i++)
            {
                var ns = lab.HostNamespace(hosts[i]);
                await lab.IpAsync("netns", "add", ns);
                lab._created.Add(ns);
                var port = $"br-{hosts[i]}";
                await lab.IpAsync("-n", lab.Bridge, "link", "add", port, "type", "veth", "peer", "name", HostInterface, "netns", ns);
                await lab.IpAsync("-n", lab.Bridge, "link", "set", port, "master", "br0");
                await lab.IpAsync("-n", lab.Bridge, "link", "set", port, "up");
                await lab.IpAsync("-n", ns, "link", "set", "lo", "up");
                await lab.IpAsync("-n", ns, "addr", "add", $"{lab.Address(i)}/24", "dev", HostInterface);
                await lab.IpAsync("-n", ns, "link", "set", HostInterface, "up");
                await lab.IpAsync("-n", ns, "route", "add", "224.0.0.0/4", "dev", HostInterface);
            }
            return (lab, null);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await lab.DisposeAsync();
            return (null, $"could not build the namespace network: {e.Message}");
        }
    }

    /// <summary>Cuts the host off: its end of the link goes down (the kernel also drops its routes through it).</summary>
    public Task LinkDownAsync(char host) => IpAsync("-n", HostNamespace(host), "link", "set", HostInterface, "down");

    /// <summary>Brings the link back, with the multicast route that going down removed.</summary>
    public async Task LinkUpAsync(char host)
    {
        await IpAsync("-n", HostNamespace(host), "link", "set", HostInterface, "up");
        await IpAsync("-n", HostNamespace(host), "route", "replace", "224.0.0.0/4", "dev", HostInterface);
    }

    public async Task<string> IpAsync(params string[] args)
    {
        var (ok, output) = await TryIpAsync(args);
        if (!ok)
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {output}");
        return output;
    }

    private Task<(bool Ok, string Output)> TryIpAsync(params string[] args) => LabCommand.TryRunAsync(["ip", .. args], null, _log);

    public async ValueTask DisposeAsync()
    {
        // Deleting a namespace deletes its links, and a veth pair goes with either of its ends.
        foreach (var ns in Enumerable.Reverse(_created))
        {
            var (ok, error) = await TryIpAsync("netns", "del", ns);
            if (!ok)
                _log($"could not delete namespace {ns}: {error}");
        }
        _created.Clear();
    }
}
