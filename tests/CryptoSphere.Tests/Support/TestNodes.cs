using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Support;

/// <summary>Starts nodes on the loopback interface with a system-chosen port.</summary>
public static class TestNodes
{
    public const string Loopback = "127.0.0.1";

    public static NodeOptions Options(string name) => new()
    {
        Name = name,
        Port = 0,
        Bind = IPAddress.Loopback,
        AdvertiseIp = Loopback,
    };

    /// <summary>Creates and starts a node; <paramref name="events"/> is attached before the start.</summary>
    public static async Task<ChatNode> StartAsync(string name, EventWaiter? events = null, Action<NodeOptions>? configure = null)
    {
        var options = Options(name);
        configure?.Invoke(options);
        var node = new ChatNode(options);
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

    /// <summary>A loopback port that nothing listens on (it was free a moment ago).</summary>
    public static int DeadPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
