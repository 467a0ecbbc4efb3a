using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// A started <see cref="ChatNode"/> whose identity and database live in a data directory, as a real
/// node's do, so it can be stopped and started again with its history, outbox and trust intact.
/// Disposing stops the node and closes the database; the directory belongs to the caller.
/// </summary>
public sealed class StoredNode : IAsyncDisposable
{
    private StoredNode(string dataDirectory, ChatStore store, NodeIdentity identity, ChatNode node, EventWaiter events)
    {
        DataDirectory = dataDirectory;
        Store = store;
        Identity = identity;
        Node = node;
        Events = events;
    }

    public string DataDirectory { get; }
    public ChatStore Store { get; }
    public NodeIdentity Identity { get; }
    public ChatNode Node { get; }
    public EventWaiter Events { get; }

    public int Port => Node.Port;
    public PeerKey Key => TestNodes.KeyOf(Node);

    /// <summary>
    /// Starts a node on <paramref name="dataDirectory"/>, on <paramref name="port"/> strictly (a restarted peer must
    /// come back where the others remember it). Without a port it takes one from <see cref="ReservedPorts"/>, not
    /// port 0: a port the kernel handed out may be given to another socket while the node is down.
    /// </summary>
    public static async Task<StoredNode> StartAsync(string name, string dataDirectory, int port = 0, Func<NodeOptions, NodeOptions>? configure = null)
    {
        var store = ChatStore.Open(dataDirectory);
        NodeIdentity? identity = null;
        ChatNode? node = null;
        try
        {
            identity = NodeIdentity.LoadOrCreate(dataDirectory);
            var options = TestNodes.Options(name) with
            {
                Port = port == 0 ? ReservedPorts.Take() : port,
                StrictPort = true,
                ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
                OutboxCheckInterval = TimeSpan.FromMilliseconds(100),
            };
            options = configure?.Invoke(options) ?? options;
            node = new ChatNode(options, identity, store);
            var events = new EventWaiter(node);
            await node.StartAsync();
            return new StoredNode(dataDirectory, store, identity, node, events);
        }
        catch
        {
            if (node is not null)
                await node.DisposeAsync();
            identity?.Dispose();
            store.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        Events.Dispose();
        Store.Dispose();
        Identity.Dispose();
    }
}
