using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;
using Xunit.Abstractions;

namespace CryptoSphere.Tests.Faults;

/// <summary>
/// Issue 15 on real networks: nodes in private networks, each behind its own NAT router (nftables masquerade, no
/// connection in from outside), and the real strelaysrv and stdiscosrv in a "public" namespace. The nodes are the
/// real program (the menu, driven through stdin) run with <c>ip netns exec</c>.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed partial class AcrossNatTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const int NodePort = 5000;
    private const int RelayPort = 22067;
    private const int DiscoveryPort = 8443;
    private const int FileMiB = 100;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(420);
    private static readonly TimeSpan MinimumOutage = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _data = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<MenuNode> _nodes = [];
    private readonly List<SyncthingServer> _servers = [];
    private NatLab? _lab;

    private TimeSpan Left
    {
        get
        {
            var left = Budget - _clock.Elapsed;
            return left > TimeSpan.Zero ? left : throw new TimeoutException($"the test ran over its budget of {Budget.TotalSeconds} s");
        }
    }

    private void Log(string line) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.00} s] {line}");

    [NatLabFact(Timeout = 900_000)] // a backstop: every wait is bounded by the budget
    public async Task Two_NATed_nodes_that_never_met_find_each_other_by_ID_chat_through_the_relay_and_move_100_MiB_intact()
    {
        var lab = await LabAsync([('a', 1), ('b', 1)]);
        var (relay, found) = await ServersAsync(lab);
        var discovery = found!;
        var (aliceDir, bobDir) = (_data.Combine("alice"), _data.Combine("bob"));
        var aliceId = await IdAsync(aliceDir);
        var bobId = await IdAsync(bobDir);

        // Bob's invite carries his IDs and his private address, no relay: only the discovery server can say where he is.
        var link = await RunAsync("invite", "--data-dir", bobDir, "--name", "bob", "--port", $"{NodePort}", "--advertise-ip", lab.HostAddress('b', 1));
        Assert.DoesNotContain("relay=", link);
        await RunAsync("add", link.Trim(), "--data-dir", aliceDir);

        var downloads = _data.Combine("bob-downloads");
        var bob = await StartAsync("bob", bobId, bobDir, lab, 'b', "--relay", relay.RelayUrl(lab.PublicAddress),
            "--discovery-server", discovery.DiscoveryUrlAt(lab.PublicAddress), "--downloads", downloads);
        await bob.Process.Stderr.WaitForAsync("Joined relay", timeout: Left);
        await bob.Process.Stderr.WaitForAsync("Announced 2 addresses", timeout: Left); // his LAN address and the relay
        var alice = await StartAsync("alice", aliceId, aliceDir, lab, 'a', "--discovery-server", discovery.DiscoveryUrlAt(lab.PublicAddress));
        Log("bob is joined to the relay and announced; alice knows only bob's IDs and the discovery server");

        var sent = _clock.Elapsed;
        await alice.ChatAsync(bob.Id, ["hello from network a"], Left);
        var line = await bob.Stdout.WaitForAsync("]: hello from network a", timeout: Left);
        Log($"bob shows alice's message {(_clock.Elapsed - sent).TotalSeconds:0.0} s after it was typed");
        Assert.Contains($"alice (relay~{alice.Id.Value}:{RelayPort}) [{alice.Id.Short}, unverified]: hello from network a", line);
        await bob.ChatAsync(alice.Id, ["hello back from network b"], Left);
        await alice.Stdout.WaitForAsync($"bob (relay~{bob.Id.Value}:{RelayPort}) [{bob.Id.Short}, unverified]: hello back from network b", timeout: Left);
        await alice.Stdout.WaitForAsync("Delivered to ", timeout: Left);
        // The lookup went to stdiscosrv, and everything crossed both routers' NAT.
        Assert.Contains("Looked up", alice.Process.Stderr.Text);
        Assert.True(await lab.PacketsLeftAsync('a') > 0 && await lab.PacketsLeftAsync('b') > 0);

        // 100 MiB from alice to bob through the relay, its SHA-256 checked by bob's node and here.
        var file = _data.Combine("big.bin");
        var hash = await WriteRandomFileAsync(file, FileMiB);
        var offered = _clock.Elapsed;
        await alice.SendFileAsync("bob", file, Left);
        await bob.Stdout.WaitForAsync(" offers ", timeout: Left);
        await bob.AcceptNewestTransferAsync(Left);
        var received = await bob.Stdout.WaitForAsync("SHA-256 verified, saved as ", timeout: Left);
        var took = _clock.Elapsed - offered;
        await alice.Stdout.WaitForAsync("the receiver verified its SHA-256", timeout: Left);
        var saved = SavedAs().Match(received).Groups["path"].Value.Trim();
        Assert.StartsWith(downloads, saved);
        Assert.Equal(hash, await HashAsync(saved));
        Log($"FIGURES: {FileMiB} MiB through strelaysrv across two NATs in {took.TotalSeconds:0.0} s " +
            $"({FileMiB / took.TotalSeconds:0.0} MiB/s, offer to verified), SHA-256 equal");

        await Task.WhenAll(alice.QuitAsync(Left), bob.QuitAsync(Left));
    }

    [NatLabFact(Timeout = 900_000)]
    public async Task A_relay_restart_loses_no_message_in_either_direction()
    {
        const int During = 5;
        var lab = await LabAsync([('a', 1), ('b', 1)]);
        var (relay, _) = await ServersAsync(lab, discovery: false);
        var (aliceDir, bobDir) = (_data.Combine("alice"), _data.Combine("bob"));
        var aliceId = await IdAsync(aliceDir);
        var bobId = await IdAsync(bobDir);
        var relayUrl = relay.RelayUrl(lab.PublicAddress);

        // Alice has nothing configured: bob's invite link names his relay, and that is enough to reach him.
        var link = await RunAsync("invite", "--data-dir", bobDir, "--name", "bob", "--port", $"{NodePort}",
            "--advertise-ip", lab.HostAddress('b', 1), "--relay", relayUrl);
        await RunAsync("add", link.Trim(), "--data-dir", aliceDir, "--trust");
        var bob = await StartAsync("bob", bobId, bobDir, lab, 'b', "--relay", relayUrl);
        await bob.Process.Stderr.WaitForAsync("Joined relay", timeout: Left);
        var alice = await StartAsync("alice", aliceId, aliceDir, lab, 'a');

        await alice.ChatAsync(bob.Id, ["before the restart"], Left);
        await bob.Stdout.WaitForAsync("]: before the restart", timeout: Left);
        Log("alice and bob chat through the relay");

        await relay.StopAsync(); // SIGKILL: the relay vanishes as in a crash
        var stopped = _clock.Elapsed;
        await alice.Stdout.WaitForAsync($"Secure connection with relay~{bob.Id.Value}:{RelayPort} ({bob.Id.Short}) closed", timeout: Left);
        await bob.Stdout.WaitForAsync($"Secure connection with relay~{alice.Id.Value}:{RelayPort} ({alice.Id.Short}) closed", timeout: Left);
        Log("the relay is down; both saw the session end");
        var toBob = Enumerable.Range(1, During).Select(i => $"while down a-b {i:00}").ToList();
        var toAlice = Enumerable.Range(1, During).Select(i => $"while down b-a {i:00}").ToList();
        await Task.WhenAll(alice.ChatAsync(bob.Id, toBob, Left), bob.ChatAsync(alice.Id, toAlice, Left));
        var held = MinimumOutage - (_clock.Elapsed - stopped);
        if (held > TimeSpan.Zero)
            await Task.Delay(held); // the fault's length (both sides keep retrying meanwhile), not a wait for something to happen
        Assert.DoesNotContain("]: while down", bob.Stdout.Text + alice.Stdout.Text); // nothing could cross

        await relay.StartAsync(); // the same keys and port: the same relay URL
        var restarted = _clock.Elapsed;
        Log($"relay restarted after {(restarted - stopped).TotalSeconds:0.0} s");
        await bob.Stdout.WaitUntilAsync(t => toBob.All(m => t.Contains("]: " + m + "\n")), "every message to bob", timeout: Left);
        await alice.Stdout.WaitUntilAsync(t => toAlice.All(m => t.Contains("]: " + m + "\n")), "every message to alice", timeout: Left);
        Log($"every message arrived {(_clock.Elapsed - restarted).TotalSeconds:0.0} s after the restart");
        await alice.Stdout.WaitUntilAsync(t => DeliveredLine().Count(t) >= 1 + During, $"{1 + During} deliveries to bob", timeout: Left);
        await bob.Stdout.WaitUntilAsync(t => DeliveredLine().Count(t) >= During, $"{During} deliveries to alice", timeout: Left);

        await Task.WhenAll(alice.QuitAsync(Left), bob.QuitAsync(Left));
        // Exactly once, in order, and nothing left to send.
        Assert.Equal(["before the restart", .. toBob], await IncomingAsync(bobDir));
        Assert.Equal(toAlice, await IncomingAsync(aliceDir));
        Assert.Equal(0, JsonDocument.Parse(await RunAsync("outbox", "--json", "--data-dir", aliceDir)).RootElement.GetArrayLength());
        Assert.Equal(0, JsonDocument.Parse(await RunAsync("outbox", "--json", "--data-dir", bobDir)).RootElement.GetArrayLength());
        Log($"FIGURES: relay down {(restarted - stopped).TotalSeconds:0.0} s; {2 * During} messages written meanwhile, lost 0, duplicated 0");
    }

    [NatLabFact(Timeout = 900_000)]
    public async Task A_relayed_peer_moves_to_a_direct_connection_once_its_router_forwards_the_port()
    {
        var lab = await LabAsync([('a', 1), ('b', 1)]);
        var (relay, found) = await ServersAsync(lab);
        var discovery = found!.DiscoveryUrlAt(lab.PublicAddress);
        var (aliceDir, bobDir) = (_data.Combine("alice"), _data.Combine("bob"));
        var aliceId = await IdAsync(aliceDir);
        var bobId = await IdAsync(bobDir);
        // Bob gives out his router's address, where nothing is forwarded yet: dials there are dropped.
        var bobPublic = lab.RouterPublicAddress('b');
        var link = await RunAsync("invite", "--data-dir", bobDir, "--name", "bob", "--port", $"{NodePort}", "--advertise-ip", bobPublic);
        await RunAsync("add", link.Trim(), "--data-dir", aliceDir);
        var bob = await MenuNode.StartAsync("bob", bobId, bobDir, lab.HostNamespace('b', 1), bobPublic, NodePort, Left,
            "--relay", relay.RelayUrl(lab.PublicAddress), "--discovery-server", discovery);
        _nodes.Add(bob);
        await bob.Process.Stderr.WaitForAsync("Joined relay", timeout: Left);
        var alice = await StartAsync("alice", aliceId, aliceDir, lab, 'a', "--discovery-server", discovery);

        await alice.ChatAsync(bob.Id, ["while relayed"], Left);
        await bob.Stdout.WaitForAsync($"alice (relay~{alice.Id.Value}:{RelayPort}) [{alice.Id.Short}, unverified]: while relayed", timeout: Left);
        Assert.Matches($@"bob relay~{bob.Id.Value}:{RelayPort} .*, relayed, last seen", await alice.PeersAsync(Left));
        Log("alice reaches bob through the relay; his router forwards nothing yet");

        await lab.OpenPortForwardAsync('b', 1, NodePort);
        var opened = _clock.Elapsed;
        await alice.Stdout.WaitForAsync($"Secure connection with bob ({bobPublic}:{NodePort})", timeout: Left);
        Log($"alice moved to a direct connection {(_clock.Elapsed - opened).TotalSeconds:0.0} s after bob's router opened the port");

        await alice.ChatAsync(bob.Id, ["now direct"], Left);
        // Bob sees alice at her router's address: out through her NAT, in through his port forward.
        await bob.Stdout.WaitForAsync($"alice ({lab.RouterPublicAddress('a')}:{NodePort}) [{alice.Id.Short}, unverified]: now direct", timeout: Left);
        await bob.ChatAsync(alice.Id, ["and back"], Left);
        await alice.Stdout.WaitForAsync($"bob ({bobPublic}:{NodePort}) [{bob.Id.Short}, unverified]: and back", timeout: Left);
        var alicePeers = await alice.PeersAsync(Left);
        Assert.Matches($@"bob {Regex.Escape(bobPublic)}:{NodePort} .*, direct, last seen", alicePeers);
        Assert.DoesNotContain("relay~", alicePeers);
        Assert.Matches($@"alice {Regex.Escape(lab.RouterPublicAddress('a'))}:{NodePort} .*, direct, last seen", await bob.PeersAsync(Left));
        await Task.WhenAll(alice.QuitAsync(Left), bob.QuitAsync(Left));
        Log($"FIGURES: relayed until the port forward opened, direct {(_clock.Elapsed - opened).TotalSeconds:0.0} s later at most");
    }

    [NatLabFact(Timeout = 900_000)]
    public async Task With_no_relay_configured_no_packet_leaves_the_LAN()
    {
        var lab = await LabAsync([('a', 2)]);
        var (relay, _) = await ServersAsync(lab, discovery: false); // there, and nobody told to use it
        var (oneDir, twoDir) = (_data.Combine("one"), _data.Combine("two"));
        var one = await StartAsync("one", await IdAsync(oneDir), oneDir, lab, 'a');
        var two = await StartAsync("two", await IdAsync(twoDir), twoDir, lab, 'a', host: 2);

        // LAN discovery finds the neighbour, and they chat: the program is fully at work.
        await one.Stdout.WaitForAsync($"Secure connection with two ({lab.HostAddress('a', 2)}:{NodePort})", timeout: Left);
        await one.ChatAsync(two.Id, ["only on the LAN"], Left);
        await two.Stdout.WaitForAsync("]: only on the LAN", timeout: Left);
        await two.ChatAsync(one.Id, ["here too"], Left);
        await one.Stdout.WaitForAsync("]: here too", timeout: Left);
        Assert.Matches($@"two {Regex.Escape(lab.HostAddress('a', 2))}:{NodePort} .*, LAN, last seen", await one.PeersAsync(Left));
        await Task.WhenAll(one.QuitAsync(Left), two.QuitAsync(Left));

        Assert.Equal(0, await lab.PacketsLeftAsync('a'));
        Log("no packet left the LAN through its router");

        // The counter does count: the same node with a relay named goes out through the router.
        _nodes.Remove(one);
        await one.DisposeAsync();
        var joined = await StartAsync("one", one.Id, oneDir, lab, 'a', "--relay", relay.RelayUrl(lab.PublicAddress));
        await joined.Process.Stderr.WaitForAsync("Joined relay", timeout: Left);
        Assert.True(await lab.PacketsLeftAsync('a') > 0);
    }

    private async Task<NatLab> LabAsync(IReadOnlyList<(char, int)> networks)
    {
        var (lab, unavailable) = await NatLab.TryCreateAsync(networks, Log);
        _lab = lab ?? throw new Xunit.Sdk.XunitException($"the NAT networks are unavailable: {unavailable}");
        Log($"namespaces {lab.Prefix}-*: public {lab.PublicAddress}, networks {string.Join(", ", networks.Select(n => $"{n.Item1} behind {lab.RouterPublicAddress(n.Item1)}"))}");
        return lab;
    }

    private async Task<(SyncthingServer Relay, SyncthingServer? Discovery)> ServersAsync(NatLab lab, bool discovery = true)
    {
        var relay = await SyncthingServer.StartInNamespaceAsync(SyncthingServer.RelayProgram, _data.Combine("relay"), lab.PublicNamespace,
            lab.PublicAddress, RelayPort);
        _servers.Add(relay);
        if (!discovery)
            return (relay, null);
        var disco = await SyncthingServer.StartInNamespaceAsync(SyncthingServer.DiscoveryProgram, _data.Combine("disco"), lab.PublicNamespace,
            lab.PublicAddress, DiscoveryPort);
        _servers.Add(disco);
        return (relay, disco);
    }

    private async Task<MenuNode> StartAsync(string name, PeerId id, string dataDir, NatLab lab, char network, params string[] more) =>
        await StartAsync(name, id, dataDir, lab, network, 1, more);

    private async Task<MenuNode> StartAsync(string name, PeerId id, string dataDir, NatLab lab, char network, int host, params string[] more)
    {
        var node = await MenuNode.StartAsync(name, id, dataDir, lab.HostNamespace(network, host), lab.HostAddress(network, host), NodePort, Left, more);
        _nodes.Add(node);
        return node;
    }

    private static async Task<PeerId> IdAsync(string dataDir)
    {
        var id = await RunAsync("id", "--data-dir", dataDir);
        Assert.True(PeerId.TryParse(id.Trim(), out var parsed), id);
        return parsed;
    }

    private static async Task<string> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(args);
        Assert.True(code == 0, $"cryptosphere {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    private static async Task<List<string>> IncomingAsync(string dataDir) =>
        JsonDocument.Parse(await RunAsync("history", "--json", "--limit", "1000", "--data-dir", dataDir)).RootElement.EnumerateArray()
            .Where(m => m.GetProperty("direction").GetString() == "in")
            .Select(m => m.GetProperty("text").GetString()!).ToList();

    private static async Task<string> WriteRandomFileAsync(string path, int mebibytes)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = File.Create(path);
        var chunk = new byte[1 << 20];
        for (var i = 0; i < mebibytes; i++)
        {
            RandomNumberGenerator.Fill(chunk);
            sha.AppendData(chunk);
            await file.WriteAsync(chunk);
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static async Task<string> HashAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(file));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // Everything the test started goes, whatever happened: nodes, servers, then the namespaces.
    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            output.WriteLine($"===== {node.Name} stdout =====\n{node.Stdout.Text}");
            output.WriteLine($"===== {node.Name} stderr =====\n{node.Process.Stderr.Text}");
            await node.DisposeAsync();
        }
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
            output.WriteLine($"===== server on {server.Port} =====\n{server.Output}");
        }
        if (_lab is not null)
            await _lab.DisposeAsync();
    }

    // After DisposeAsync (xunit calls both): the files go once nothing uses them.
    public void Dispose() => _data.Dispose();

    [GeneratedRegex(@"saved as (?<path>.+)$", RegexOptions.Multiline)]
    private static partial Regex SavedAs();

    [GeneratedRegex(@"^Delivered to ", RegexOptions.Multiline)]
    private static partial Regex DeliveredLine();
}
