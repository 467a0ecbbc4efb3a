using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Tests.Support;

/// <summary>A node's identity and database in a data directory, so a test can restart the node as itself.</summary>
public sealed class PersistentProfile(string dataDir) : IAsyncDisposable
{
    public NodeIdentity Identity { get; private set; } = NodeIdentity.LoadOrCreate(dataDir);

    public ChatStore Store { get; private set; } = ChatStore.Open(dataDir);

    public void Configure(NodeOptions o)
    {
        o.Identity = Identity;
        o.Store = Store;
    }

    /// <summary>Closes the database and key, as a process that exits would, and opens them again.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Identity.Dispose();
        Identity = NodeIdentity.LoadOrCreate(dataDir);
        Store = ChatStore.Open(dataDir);
    }

    public ValueTask DisposeAsync()
    {
        Store.Dispose();
        Identity.Dispose();
        return ValueTask.CompletedTask;
    }
}
