using Microsoft.Extensions.Hosting;

namespace CryptoSphere.Web.Hosting;

/// <summary>
/// The web host lives inside the node's process, which already handles Ctrl+C and SIGTERM (it says
/// goodbye to peers first). The default console lifetime would grab those signals and stop the host
/// on its own, so this one does nothing.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
