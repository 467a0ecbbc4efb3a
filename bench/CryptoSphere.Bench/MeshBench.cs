using System.Diagnostics;
using System.Net;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Bench;

/// <summary>
/// N nodes in this process find each other by multicast discovery (on the loopback interface, TTL 0:
/// nothing leaves the host) and peer exchange until every node holds a session with every other;
/// then one group of all N gets a message to everyone.
/// </summary>
internal static class MeshBench
{
    // Aims for up to 50 nodes on this 2-core machine, about twice what a quiet run measured (13.8 s, 2.1 s,
    // 163 ms for 50 nodes): a slower mesh, a slower spread of the group's state or a slower group message fails
    // the run, not only one that never completes.
    private static readonly TimeSpan MeshAim = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StateAim = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MessageAim = TimeSpan.FromSeconds(1);

    public sealed record Settings(int Nodes, int DiscoveryPort);

    public static bool Run(Settings settings, TextWriter output)
    {
        return RunAsync().GetAwaiter().GetResult();

        async Task<bool> RunAsync()
        {
            var nodes = new List<ChatNode>();
            try
            {
                var start = Stopwatch.StartNew();
                for (var i = 0; i < settings.Nodes; i++)
                {
                    var node = new ChatNode(new NodeOptions
                    {
                        Name = "n" + i,
                        Bind = IPAddress.Loopback,
                        AdvertiseIp = "127.0.0.1",
                        Discovery = new DiscoveryOptions
                        {
                            Enabled = true, Port = settings.DiscoveryPort, Interface = IPAddress.Loopback, TimeToLive = 0, GroupV6 = null,
                            Interval = TimeSpan.FromSeconds(5),
                        },
                    });
                    await node.StartAsync();
                    nodes.Add(node);
                }
                var started = start.Elapsed;
                var full = settings.Nodes - 1;
                var converged = await UntilAsync(() => nodes.All(n => n.ConnectedPeerIds.Count >= full), TimeSpan.FromSeconds(180));
                var meshTime = start.Elapsed;
                var sessions = nodes.Sum(n => n.ConnectedPeerIds.Count) / 2;

                var admin = nodes[0];
                var group = admin.CreateGroup("everyone").Value!;
                foreach (var member in nodes.Skip(1))
                    group = (await admin.AddMemberAsync(group.Id, member.Identity.Id)).Value!;
                var version = group.Version;
                var stateSpread = Stopwatch.StartNew();
                var statesArrived = await UntilAsync(() => nodes.All(n => n.Store.FindGroup(group.Id)?.Version == version), TimeSpan.FromSeconds(60));
                var stateTime = stateSpread.Elapsed;

                var received = 0;
                var groupId = group.Id;
                Guid messageId = default;
                foreach (var node in nodes.Skip(1))
                    node.EventRaised += e => { if (e is GroupMessageReceived g && g.GroupId == groupId) Interlocked.Increment(ref received); };
                var sendTime = Stopwatch.StartNew();
                var sent = await admin.SendToGroupAsync(group.Id, "hello, all " + settings.Nodes);
                messageId = sent.MessageId;
                var everyone = await UntilAsync(() => Volatile.Read(ref received) >= settings.Nodes - 1, TimeSpan.FromSeconds(60));
                var deliverTime = sendTime.Elapsed;

                output.WriteLine("| measure | result |");
                output.WriteLine("|---|---|");
                output.WriteLine($"| nodes started (each announcing at start, then every 5 s) | {settings.Nodes} in {started.TotalSeconds:0.0} s |");
                output.WriteLine($"| full mesh (every node a session with every other) | {(converged ? "yes" : "NO")}: {sessions} sessions, {meshTime.TotalSeconds:0.0} s after the first start |");
                output.WriteLine($"| group of {settings.Nodes}: membership version {version} at every member | {(statesArrived ? "yes" : "NO")}, {stateTime.TotalMilliseconds:0} ms after the last change |");
                output.WriteLine($"| one group message reaches every member | {(everyone ? "yes" : "NO")}: {received} of {settings.Nodes - 1} in {deliverTime.TotalMilliseconds:0} ms |");

                var verdict = new Verdict()
                    .Aim("sessions (every node with every other, within 180 s)", $"{full * settings.Nodes / 2}", $"{sessions}", converged)
                    .Aim("members with the membership version (within 60 s)", $"{settings.Nodes}", $"{nodes.Count(n => n.Store.FindGroup(group.Id)?.Version == version)}", statesArrived)
                    .NoLoss("the group message, members without it (within 60 s)", settings.Nodes - 1 - Volatile.Read(ref received));
                if (settings.Nodes <= 50)
                    verdict.Aim("full mesh, after the first start", $"< {MeshAim.TotalSeconds:0} s", $"{meshTime.TotalSeconds:0.0} s", converged && meshTime < MeshAim)
                        .Aim("group state at every member, after the last change", $"< {StateAim.TotalSeconds:0} s", $"{stateTime.TotalMilliseconds:0} ms", statesArrived && stateTime < StateAim)
                        .Aim("one group message at every member", $"< {MessageAim.TotalMilliseconds:0} ms", $"{deliverTime.TotalMilliseconds:0} ms", everyone && deliverTime < MessageAim);
                else
                    output.WriteLine($"(No timing aim above 50 nodes: the aims are set for up to 50 on this machine.)");
                verdict.Print(output);
                return verdict.Passed;
            }
            finally
            {
                await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
            }
        }
    }

    private static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(20);
        }
        return true;
    }
}
