using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Tests.Support;

/// <summary>Starts nodes on the loopback interface with a system-chosen port.</summary>
public static class TestNodes
{
    public const string Loopback = "127.0.0.1";

    public static NodeOptions Options(string name) => NodeOptions.Default with
    {
        Name = name,
        Port = 0,
        Bind = IPAddress.Loopback,
        AdvertiseIp = Loopback,
    };

    /// <summary>
    /// Creates and starts a node; <paramref name="events"/> is attached before the start. A node given no
    /// <paramref name="identity"/> or <paramref name="store"/> makes in-memory ones.
    /// </summary>
    public static async Task<ChatNode> StartAsync(string name, EventWaiter? events = null, Func<NodeOptions, NodeOptions>? configure = null,
        NodeIdentity? identity = null, ChatStore? store = null, TimeProvider? clock = null)
    {
        var options = Options(name);
        options = configure?.Invoke(options) ?? options;
        var node = new ChatNode(options, identity, store, clock: clock);
        events?.Attach(node);
        try
        {
            await node.StartAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>The key other nodes on this host know the node by.</summary>
    public static PeerKey KeyOf(ChatNode node) => new(Loopback, node.Port);

    /// <summary>A loopback port that nothing listens on, and that no port-0 socket will be given (see <see cref="ReservedPorts"/>).</summary>
    public static int DeadPort() => ReservedPorts.Take();
}
